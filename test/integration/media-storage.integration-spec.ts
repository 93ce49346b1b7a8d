import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderMediaStorage } from '../../src/media/folder-media.storage';
import { MediaObjectMissingError, MediaStorage } from '../../src/media/media-storage';
import { S3MediaStorage } from '../../src/media/s3-media.storage';
import { S3Fake } from '../fakes/s3.fake';

/**
 * The contract every MediaStorage keeps, run against the folder store and the S3-compatible
 * store (through the S3 stand-in, a real HTTP server speaking the protocol to the real SDK).
 */
const stores: [string, () => Promise<{ store: MediaStorage; work: string; close(): Promise<void> }>][] = [
  [
    'folder',
    async () => {
      const work = await mkdtemp(join(tmpdir(), 'palinsesto-store-'));
      return {
        store: new FolderMediaStorage(join(work, 'root')),
        work,
        close: () => rm(work, { recursive: true, force: true }),
      };
    },
  ],
  [
    's3',
    async () => {
      const work = await mkdtemp(join(tmpdir(), 'palinsesto-store-'));
      const fake = await new S3Fake().start();
      const store = new S3MediaStorage({
        bucket: fake.bucket,
        endpoint: fake.url,
        region: 'eu-south-1',
        accessKeyId: fake.accessKeyId,
        secretAccessKey: 'fake-secret-never-logged',
        forcePathStyle: true,
      });
      return {
        store,
        work,
        async close() {
          store.onModuleDestroy();
          await fake.stop();
          await rm(work, { recursive: true, force: true });
        },
      };
    },
  ],
];

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe.each(stores)('MediaStorage contract: %s', (_name, make) => {
  let store: MediaStorage;
  let work: string;
  let close: () => Promise<void>;
  let n = 0;
  beforeAll(async () => ({ store, work, close } = await make()));
  afterAll(() => close());

  async function file(content: Buffer): Promise<string> {
    const path = join(work, `src-${++n}`);
    await writeFile(path, content);
    return path;
  }

  it('stores a file whole under its key, takes the source file over, and answers it back', async () => {
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 'abc');
    const source = await file(content);
    await store.put('media/a1', source, 'image/png');
    await expect(stat(source)).rejects.toThrow();
    expect(Buffer.compare(await readAll(await store.open('media/a1')), content)).toBe(0);
    const s = await store.stat('media/a1');
    expect(s).toMatchObject({ key: 'media/a1', bytes: content.length });
    expect(s!.modifiedAt.getTime()).toBeGreaterThan(0);
  });

  it('replaces an object whole; a missing one is null on stat and a typed error on open', async () => {
    await store.put('media/b1', await file(Buffer.from('first')), 'text/plain');
    await store.put('media/b1', await file(Buffer.from('second version')), 'text/plain');
    expect((await readAll(await store.open('media/b1'))).toString()).toBe('second version');
    expect(await store.stat('media/none')).toBeNull();
    await expect(store.open('media/none')).rejects.toBeInstanceOf(MediaObjectMissingError);
  });

  it('deletes (twice is fine) and lists by prefix', async () => {
    await store.put('media/c1', await file(Buffer.from('1')), 'text/plain');
    await store.put('media/c1.thumb.webp', await file(Buffer.from('22')), 'image/webp');
    await store.put('media/d1', await file(Buffer.from('333')), 'text/plain');
    const listed: string[] = [];
    for await (const o of store.list('media/c1')) listed.push(o.key);
    expect(listed.sort()).toEqual(['media/c1', 'media/c1.thumb.webp']);
    await store.delete('media/c1');
    await store.delete('media/c1');
    expect(await store.stat('media/c1')).toBeNull();
    expect(await store.stat('media/d1')).toMatchObject({ bytes: 3 });
  });

  it('refuses keys that are not its own (a path that climbs out)', async () => {
    for (const key of ['../etc/passwd', 'media/../x', '/abs', 'Media/A', 'media//x', '']) {
      await expect(store.put(key, await file(Buffer.from('x')), 'text/plain')).rejects.toThrow(
        /not a media storage key/,
      );
    }
  });
});

describe('S3 store against a failing or misconfigured service', () => {
  it('a PutObject that fails leaves no object; wrong credentials are refused without the secret in the error', async () => {
    const work = await mkdtemp(join(tmpdir(), 'palinsesto-store-'));
    const fake = await new S3Fake().start();
    const config = { bucket: fake.bucket, endpoint: fake.url, region: 'eu-south-1', forcePathStyle: true };
    const store = new S3MediaStorage({ ...config, accessKeyId: fake.accessKeyId, secretAccessKey: 'sekrit-1' });
    const wrong = new S3MediaStorage({ ...config, accessKeyId: 'AKIAWRONG', secretAccessKey: 'sekrit-2-do-not-log' });
    try {
      const path = join(work, 'x');
      await writeFile(path, 'payload');
      fake.failNextPut = true;
      await expect(store.put('media/e1', path, 'text/plain')).rejects.toThrow();
      expect(await store.stat('media/e1')).toBeNull();
      const error = await wrong.put('media/e2', path, 'text/plain').then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(error?.name).toBe('InvalidAccessKeyId');
      expect(JSON.stringify(error) + String(error?.message) + String(error?.stack)).not.toContain(
        'sekrit-2-do-not-log',
      );
      expect(fake.objects.has('media/e2')).toBe(false);
      expect(await readdir(work)).toEqual(['x']);
    } finally {
      store.onModuleDestroy();
      wrong.onModuleDestroy();
      await fake.stop();
      await rm(work, { recursive: true, force: true });
    }
  });
});
