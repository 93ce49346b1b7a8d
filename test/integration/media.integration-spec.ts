import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { S3Fake } from '../fakes/s3.fake';
import { MediaRetentionJob } from '../../src/media/media-retention.job';
import { MediaService } from '../../src/media/media.service';
import { createSecondInstance, createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';
import { gif, jpegWithGps, mp4, multipart, noisyJpeg, pixelBombPng, png, webp } from '../support/media-fixtures';

type Seed = Awaited<ReturnType<typeof seedWorkspace>>;

describe('media library', () => {
  let t: TestApp;
  let dir: string;
  let s: Seed;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palinsesto-media-'));
    t = await createTestApp({ config: { mediaDir: dir }, now: '2027-03-01T08:00:00Z' });
    s = await seedWorkspace(t);
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = (
    file: Buffer,
    opts: { filename?: string; type?: string; alt?: string; key?: string; wid?: string } = {},
  ) => {
    const req = t.http.post(`/v1/workspaces/${opts.wid ?? s.workspaceId}/media`).set(auth(opts.key ?? s.editor.key));
    if (opts.alt !== undefined) req.field('alt', opts.alt);
    return req.attach('file', file, {
      filename: opts.filename ?? 'photo.bin',
      contentType: opts.type ?? 'application/octet-stream',
    });
  };

  const raw = ({ body, contentType }: { body: Buffer; contentType: string }) =>
    t.http
      .post(`/v1/workspaces/${s.workspaceId}/media`)
      .set(auth(s.editor.key))
      .set('Content-Type', contentType)
      .send(body);

  /** Everything the library holds: rows, stored files, temporary files. */
  async function holdings() {
    const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM media`);
    const files = await readdir(join(dir, 'media')).catch(() => [] as string[]);
    const temps = await readdir(join(dir, '.tmp')).catch(() => [] as string[]);
    return { rows: count as number, files: files.length, temps: temps.length };
  }

  async function expectNothingStored(before: Awaited<ReturnType<typeof holdings>>) {
    // The temp file is removed before the answer; a stray one would show here.
    expect(await holdings()).toEqual({ ...before, temps: 0 });
  }

  it('stores a JPEG upright without its metadata (GPS), with a WebP thumbnail, at the URLs it names', async () => {
    const original = await jpegWithGps(64, 48);
    expect((await sharp(original).metadata()).exif).toBeDefined();
    const res = await upload(original, { filename: 'IMG_0001.jpg', type: 'image/jpeg', alt: ' A red square ' }).expect(
      201,
    );
    expect(res.body).toMatchObject({
      kind: 'image',
      mimeType: 'image/jpeg',
      width: 48,
      height: 64,
      alt: 'A red square',
      focus: { x: 0, y: 0 },
      url: `/v1/media/${res.body.id}/file`,
      thumbnailUrl: `/v1/media/${res.body.id}/thumbnail`,
    });
    expect(res.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.durationMs).toBeUndefined();
    const file = await t.http
      .get(res.body.url)
      .set(auth(s.viewer.key))
      .buffer(true)
      .parse(binary as never)
      .expect(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect(file.body.length).toBe(res.body.bytes);
    const meta = await sharp(file.body as Buffer).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([48, 64]);
    const thumb = await t.http
      .get(res.body.thumbnailUrl)
      .set(auth(s.viewer.key))
      .buffer(true)
      .parse(binary as never)
      .expect(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await sharp(thumb.body as Buffer).metadata()).format).toBe('webp');
    const got = await t.http.get(`/v1/media/${res.body.id}`).set(auth(s.viewer.key)).expect(200);
    expect(got.body).toEqual(res.body);
  });

  it('takes PNG, WebP, GIF and MP4 (H.264), the type read from the bytes', async () => {
    for (const [file, mimeType] of [
      [await png(41, 31), 'image/png'],
      [await webp(42, 32), 'image/webp'],
      [await gif(43, 33), 'image/gif'],
    ] as const) {
      const res = await upload(file, { filename: 'x.dat', type: 'text/plain', alt: 'x' }).expect(201);
      expect(res.body).toMatchObject({ kind: 'image', mimeType });
      expect(res.body.width).toBeGreaterThan(40);
    }
    const video = await upload(mp4('avc1'), { filename: 'clip.mp4', type: 'video/mp4' }).expect(201);
    expect(video.body).toMatchObject({
      kind: 'video',
      mimeType: 'video/mp4',
      width: 320,
      height: 240,
      durationMs: 2000,
      codec: 'avc1.42c01e',
      thumbnailUrl: null,
    });
    const file = await t.http
      .get(video.body.url)
      .set(auth(s.viewer.key))
      .buffer(true)
      .parse(binary as never)
      .expect(200);
    expect(Buffer.compare(file.body as Buffer, mp4('avc1'))).toBe(0);
  });

  it('stores the same file twice in a workspace once: the second upload answers the first item (201, as the contract has it)', async () => {
    const file = await png(77, 11);
    const first = await upload(file, { alt: 'first' }).expect(201);
    const before = await holdings();
    const second = await upload(file, { alt: 'second' }).expect(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.alt).toBe('first');
    expect(await holdings()).toEqual(before);
    // Another workspace has its own library.
    const other = await seedWorkspace(t);
    const theirs = await upload(file, { key: other.editor.key, wid: other.workspaceId }).expect(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    await t.http.get(`/v1/media/${theirs.body.id}`).set(auth(s.editor.key)).expect(404);
  });

  describe('bad input: a 4xx problem and nothing stored', () => {
    const cases: [string, () => Promise<{ status: number; body: Record<string, unknown> }>, number, RegExp][] = [
      [
        'text that says it is a JPEG',
        () => upload(Buffer.from('hello, I am not a picture '.repeat(300)), { filename: 'a.jpg', type: 'image/jpeg' }),
        415,
        /JPEG, PNG, WebP and GIF/,
      ],
      [
        'a short text file',
        () => upload(Buffer.from('tiny'), { filename: 'a.png', type: 'image/png' }),
        415,
        /takes JPEG/,
      ],
      [
        'a PDF',
        () => upload(Buffer.from('%PDF-1.4\n' + 'x'.repeat(5000)), { filename: 'a.pdf' }),
        415,
        /application\/pdf|takes JPEG/,
      ],
      ['an empty file', () => upload(Buffer.alloc(0), { filename: 'a.jpg', type: 'image/jpeg' }), 422, /empty/],
      [
        'a pixel bomb',
        async () => upload(await pixelBombPng(), { filename: 'bomb.png' }),
        422,
        /30000x30000.*at most 40,000,000 pixels/,
      ],
      [
        'an HEVC video',
        async () => upload(mp4('hvc1'), { filename: 'clip.mp4', type: 'video/mp4' }),
        422,
        /hvc1.*H\.264/,
      ],
      [
        'a damaged JPEG',
        async () => upload((await jpegWithGps(200, 200)).subarray(0, 900), { filename: 'cut.jpg' }),
        422,
        /damaged or incomplete/,
      ],
      [
        'a file name with a path',
        async () => raw(multipart([{ name: 'file', filename: '../../etc/passwd.png', data: await png(5, 5) }])),
        400,
        /without a path/,
      ],
      [
        'a file name with a Windows path',
        async () => upload(await png(6, 5), { filename: 'C:\\Users\\me\\a.png' }),
        400,
        /without a path/,
      ],
      [
        'no file part',
        () => t.http.post(`/v1/workspaces/${s.workspaceId}/media`).set(auth(s.editor.key)).field('alt', 'x'),
        400,
        /no file/,
      ],
      [
        'the file in another field',
        async () =>
          t.http
            .post(`/v1/workspaces/${s.workspaceId}/media`)
            .set(auth(s.editor.key))
            .attach('photo', await png(7, 5), 'a.png'),
        400,
        /field "file"/,
      ],
      [
        'two files',
        async () =>
          t.http
            .post(`/v1/workspaces/${s.workspaceId}/media`)
            .set(auth(s.editor.key))
            .attach('file', await png(8, 5), 'a.png')
            .attach('file', await png(9, 5), 'b.png'),
        400,
        /one file/,
      ],
      [
        'JSON instead of multipart',
        () => t.http.post(`/v1/workspaces/${s.workspaceId}/media`).set(auth(s.editor.key)).send({ url: 'x' }),
        415,
        /multipart\/form-data/,
      ],
      [
        'multipart without a boundary',
        () =>
          t.http
            .post(`/v1/workspaces/${s.workspaceId}/media`)
            .set(auth(s.editor.key))
            .set('Content-Type', 'multipart/form-data')
            .send('xx'),
        400,
        /boundary/,
      ],
    ];
    it.each(cases)('%s', async (_name, send, status, detail) => {
      const before = await holdings();
      const res = await send();
      expect(res.status).toBe(status);
      expect(String(res.body.detail)).toMatch(detail);
      await expectNothingStored(before);
    });

    it('a truncated multipart body (no closing boundary) is a 400', async () => {
      const before = await holdings();
      const { body, contentType } = multipart([{ name: 'file', filename: 'a.png', data: await png(12, 12) }]);
      const res = await t.http
        .post(`/v1/workspaces/${s.workspaceId}/media`)
        .set(auth(s.editor.key))
        .set('Content-Type', contentType)
        .send(body.subarray(0, body.length - 30));
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/malformed or incomplete/);
      await expectNothingStored(before);
    });

    it('an upload aborted mid-way leaves no row, no file, no temporary file', async () => {
      const before = await holdings();
      const { body, contentType } = multipart([
        { name: 'file', filename: 'big.mp4', data: mp4('avc1', { samples: 50, sampleBytes: 20_000 }) },
      ]);
      await new Promise<void>((resolve) => {
        const req = httpRequest(`${t.url}/v1/workspaces/${s.workspaceId}/media`, {
          method: 'POST',
          headers: { ...auth(s.editor.key), 'Content-Type': contentType, 'Content-Length': String(body.length) },
        });
        req.on('error', () => resolve());
        req.write(body.subarray(0, 200_000), () => setTimeout(() => req.destroy(), 100));
        req.on('close', () => resolve());
      });
      await until(async () => (await holdings()).temps === 0);
      await expectNothingStored(before);
    });

    it('answers 413 as soon as the file passes MEDIA_MAX_IMAGE_BYTES, before the body is sent whole', async () => {
      const small = await createTestApp({
        config: { mediaDir: dir, mediaMaxBytes: 2_000_000, mediaMaxImageBytes: 100_000 },
      });
      try {
        const ws = await seedWorkspace(small);
        const head = await png(10, 10);
        const total = 50 * 1024 * 1024;
        const { status, sent, detail } = await sendSlowly(small.url, ws, head, total);
        expect(status).toBe(413);
        expect(detail).toMatch(/larger than 100000 bytes.*images/);
        expect(sent).toBeLessThan(total / 4);
        // Video has the larger limit, MEDIA_MAX_BYTES.
        const video = await sendSlowly(small.url, ws, mp4('avc1'), total);
        expect(video.status).toBe(413);
        expect(video.detail).toMatch(/larger than 2000000 bytes/);
        expect(video.sent).toBeLessThan(total / 4);
        const [{ count }] = await small.db.query(`SELECT count(*)::int AS count FROM media`);
        expect(count).toBe(0);
        expect(await readdir(join(dir, '.tmp')).catch(() => [])).toEqual([]);
      } finally {
        await small.close();
      }
    });
  });

  it('viewers read the library but do not upload; other workspaces see none of it', async () => {
    await upload(await png(3, 3), { key: s.viewer.key }).expect(403);
    const other = await seedWorkspace(t);
    await t.http.get(`/v1/workspaces/${s.workspaceId}/media`).set(auth(other.lead.key)).expect(404);
    await upload(await png(3, 4), { key: other.editor.key }).expect(404);
  });

  it('lists the library newest first, a page at a time', async () => {
    const ws = await seedWorkspace(t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      t.clock.advance(1000);
      ids.push((await upload(await png(20 + i, 20), { key: ws.editor.key, wid: ws.workspaceId })).body.id);
    }
    const first = await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/media?limit=2`)
      .set(auth(ws.viewer.key))
      .expect(200);
    expect(first.body.items.map((x: { id: string }) => x.id)).toHaveLength(2);
    const second = await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/media?limit=2&cursor=${first.body.nextCursor}`)
      .set(auth(ws.viewer.key))
      .expect(200);
    expect(second.body.nextCursor).toBeNull();
    const all = [...first.body.items, ...second.body.items].map((x: { id: string }) => x.id);
    expect(all.sort()).toEqual([...ids].sort());
    expect(first.body.items[0].thumbnailUrl).toMatch(/\/thumbnail$/);
  });

  it('changes alt text and focus; refuses a focus outside -1..1', async () => {
    const item = (await upload(await png(50, 5)).expect(201)).body;
    const res = await t.http
      .patch(`/v1/media/${item.id}`)
      .set(auth(s.editor.key))
      .send({ alt: 'A thin bar', focus: { x: -0.5, y: 1 } })
      .expect(200);
    expect(res.body).toMatchObject({ alt: 'A thin bar', focus: { x: -0.5, y: 1 } });
    await t.http
      .patch(`/v1/media/${item.id}`)
      .set(auth(s.editor.key))
      .send({ focus: { x: 2, y: 0 } })
      .expect(400);
    await t.http.patch(`/v1/media/${item.id}`).set(auth(s.viewer.key)).send({ alt: 'no' }).expect(403);
  });

  describe('posts carry media by id', () => {
    it('keeps them in order with their alt texts; refuses unknown ids and other workspaces’ items (422 naming them)', async () => {
      const channel = await createChannel(t, s.lead, { approvalRequired: false });
      const a = (await upload(await png(60, 10), { alt: 'Library alt A' }).expect(201)).body;
      const b = (await upload(await png(61, 10), { alt: 'Library alt B' }).expect(201)).body;
      const post = await createPost(t, s.editor, channel.id, { media: [{ id: b.id }, { id: a.id, alt: 'Own alt' }] });
      expect(post.media).toEqual([{ id: b.id }, { id: a.id, alt: 'Own alt' }]);
      const unknown = '00000000-0000-4000-8000-000000000000';
      const other = await seedWorkspace(t);
      const theirs = (await upload(await png(62, 10), { key: other.editor.key, wid: other.workspaceId, alt: 'x' }))
        .body;
      const res = await t.http
        .post(`/v1/channels/${channel.id}/posts`)
        .set(auth(s.editor.key))
        .send({ body: 'b', category: 'informative', media: [{ id: a.id }, { id: unknown }, { id: theirs.id }] })
        .expect(422);
      expect(res.body.detail).toContain(unknown);
      expect(res.body.detail).toContain(theirs.id);
      expect(res.body.unknownMediaIds).toEqual([unknown, theirs.id]);
      await t.http
        .post(`/v1/channels/${channel.id}/posts`)
        .set(auth(s.editor.key))
        .send({ body: 'b', category: 'informative', media: [{ id: 'not-a-uuid' }] })
        .expect(400);
      await t.http
        .post(`/v1/channels/${channel.id}/posts`)
        .set(auth(s.editor.key))
        .send({ body: 'b', category: 'informative', media: Array.from({ length: 11 }, () => ({ id: a.id })) })
        .expect(400);
    });

    it('keeps URL media for webhook channels only', async () => {
      const mastodon = await createChannel(t, s.lead, {
        platform: 'mastodon',
        credentials: { instanceUrl: 'http://127.0.0.1:9/', accessToken: 'super-secret-token-123' },
      });
      const refused = await t.http
        .post(`/v1/channels/${mastodon.id}/posts`)
        .set(auth(s.editor.key))
        .send({ body: 'b', category: 'informative', media: [{ url: 'https://cdn.example.com/a.jpg', alt: 'a' }] })
        .expect(422);
      expect(refused.body.detail).toMatch(/media library/);
      const webhook = await createChannel(t, s.lead, {
        platform: 'webhook',
        credentials: { url: 'http://127.0.0.1:9/hook' },
      });
      const ok = await createPost(t, s.editor, webhook.id, { media: [{ url: 'https://cdn.example.com/a.jpg' }] });
      expect(ok.media).toEqual([{ url: 'https://cdn.example.com/a.jpg' }]);
    });

    it('requireAltText (default on) refuses media without alt text, naming the item; off, takes it', async () => {
      const channel = await createChannel(t, s.lead, { approvalRequired: false });
      expect(channel.requireAltText).toBe(true);
      const bare = (await upload(await png(63, 10)).expect(201)).body;
      const res = await t.http
        .post(`/v1/channels/${channel.id}/posts`)
        .set(auth(s.editor.key))
        .send({ body: 'b', category: 'informative', media: [{ id: bare.id }] })
        .expect(422);
      expect(res.body.detail).toContain(bare.id);
      expect(res.body.errors).toEqual([{ field: 'media[0].alt', message: `media item ${bare.id} has no alt text` }]);
      await createPost(t, s.editor, channel.id, { media: [{ id: bare.id, alt: 'Given on the post' }] });
      // Scheduling checks again: the library's alt text may have gone since.
      await t.http.patch(`/v1/media/${bare.id}`).set(auth(s.editor.key)).send({ alt: 'Library text' }).expect(200);
      const post = await createPost(t, s.editor, channel.id, {
        media: [{ id: bare.id }],
        scheduledAt: '2027-03-10T09:00:00Z',
      });
      await t.http.patch(`/v1/media/${bare.id}`).set(auth(s.editor.key)).send({ alt: '' }).expect(200);
      await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(s.editor.key)).send({}).expect(422);
      const relaxed = await t.http
        .patch(`/v1/channels/${channel.id}`)
        .set(auth(s.lead.key))
        .send({ requireAltText: false })
        .expect(200);
      expect(relaxed.body.requireAltText).toBe(false);
      await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(s.editor.key)).send({}).expect(200);
    });

    it('delete answers 409 while a scheduled post uses the item, and works once the post is published', async () => {
      const channel = await createChannel(t, s.lead, { approvalRequired: false });
      const item = (await upload(await png(64, 10), { alt: 'x' }).expect(201)).body;
      const post = await createPost(t, s.editor, channel.id, {
        media: [{ id: item.id }],
        scheduledAt: '2027-03-11T09:00:00Z',
      });
      await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(s.editor.key)).send({}).expect(200);
      const res = await t.http.delete(`/v1/media/${item.id}`).set(auth(s.editor.key)).expect(409);
      expect(res.body.detail).toMatch(/not yet published uses/);
      await t.http.get(`/v1/media/${item.id}/file`).set(auth(s.editor.key)).expect(200);
      await t.db.query(`UPDATE posts SET status = 'published', published_at = scheduled_at WHERE id = $1`, [post.id]);
      await t.http.delete(`/v1/media/${item.id}`).set(auth(s.editor.key)).expect(204);
      await t.http.get(`/v1/media/${item.id}`).set(auth(s.editor.key)).expect(404);
      expect(await readdir(join(dir, 'media')).then((f) => f.filter((n) => n.startsWith(item.id)))).toEqual([]);
    });
  });

  describe('MediaService for other modules', () => {
    it('signed URLs serve the file without an api key until they expire; a tampered one is a 403', async () => {
      const item = (await upload(await png(65, 10)).expect(201)).body;
      const media = t.app.get(MediaService);
      const url = new URL(media.signedUrl(item.id, 60));
      expect(url.origin).toBe('http://localhost:3000');
      const path = `${url.pathname}${url.search}`;
      const ok = await t.http
        .get(path)
        .buffer(true)
        .parse(binary as never)
        .expect(200);
      expect(ok.body.length).toBe(item.bytes);
      const tampered = new URL(url);
      tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1000));
      await t.http.get(`${tampered.pathname}${tampered.search}`).expect(403);
      const otherId = (await upload(await png(66, 10)).expect(201)).body.id;
      await t.http.get(path.replace(item.id, otherId)).expect(403);
      await t.http.get(`${url.pathname}?expires=1&sig=x`).expect(403);
      t.clock.advance(61_000);
      const gone = await t.http.get(path).expect(410);
      expect(gone.body.detail).toMatch(/expired/);
    });

    it('open(id, {maxBytes}) re-encodes a large image to fit, keeping the original', async () => {
      const big = await noisyJpeg(600, 400);
      const item = (await upload(big).expect(201)).body;
      expect(item.bytes).toBeGreaterThan(100_000);
      const media = t.app.get(MediaService);
      const fitted = await media.open(item.id, { maxBytes: 60_000 });
      const data = await readAll(fitted.stream);
      expect(fitted.bytes).toBe(data.length);
      expect(data.length).toBeLessThanOrEqual(60_000);
      expect(fitted.mimeType).toBe('image/jpeg');
      expect((await sharp(data).metadata()).format).toBe('jpeg');
      const again = await media.open(item.id, { maxBytes: 60_000 });
      expect(Buffer.compare(await readAll(again.stream), data)).toBe(0);
      const original = await media.open(item.id);
      expect(original.bytes).toBe(item.bytes);
      expect((await readAll(original.stream)).length).toBe(item.bytes);
    });

    it('describe() answers items in the order asked and names unknown ones', async () => {
      const a = (await upload(await png(67, 10), { alt: 'A' })).body;
      const b = (await upload(await png(68, 10))).body;
      const media = t.app.get(MediaService);
      const items = await media.describe(s.workspaceId, [b.id, a.id]);
      expect(items.map((x) => [x.id, x.alt, x.width])).toEqual([
        [b.id, '', 68],
        [a.id, 'A', 67],
      ]);
      await expect(media.describe(s.workspaceId, [a.id, '00000000-0000-4000-8000-000000000001'])).rejects.toMatchObject(
        {
          code: 'unprocessable',
          extra: { unknownMediaIds: ['00000000-0000-4000-8000-000000000001'] },
        },
      );
    });
  });

  describe('housekeeping and instances', () => {
    it('retention deletes items no post uses after MEDIA_RETENTION_DAYS and keeps used ones, once across instances', async () => {
      const ws = await seedWorkspace(t);
      const channel = await createChannel(t, ws.lead, { approvalRequired: false });
      const unused = (await upload(await png(70, 10), { key: ws.editor.key, wid: ws.workspaceId })).body;
      const used = (await upload(await png(71, 10), { key: ws.editor.key, wid: ws.workspaceId, alt: 'x' })).body;
      const post = await createPost(t, ws.editor, channel.id, { media: [{ id: used.id }] });
      await t.db.query(`UPDATE posts SET status = 'published' WHERE id = $1`, [post.id]);
      const job = t.app.get(MediaRetentionJob);
      t.clock.advance(29 * 24 * 3600 * 1000);
      expect((await job.run())!.deleted).not.toContain(unused.id);
      await t.http.get(`/v1/media/${unused.id}`).set(auth(ws.editor.key)).expect(200);
      t.clock.advance(2 * 24 * 3600 * 1000);
      const second = await createSecondInstance(t, { mediaDir: dir });
      try {
        const turns = await Promise.all([job.run(), second.app.get(MediaRetentionJob).run()]);
        const deleted = turns.flatMap((x) => x?.deleted ?? []);
        expect(deleted.filter((id) => id === unused.id)).toEqual([unused.id]);
        expect(deleted).not.toContain(used.id);
      } finally {
        await second.close();
      }
      await t.http.get(`/v1/media/${unused.id}`).set(auth(ws.editor.key)).expect(404);
      expect(await readdir(join(dir, 'media')).then((f) => f.filter((n) => n.startsWith(unused.id)))).toEqual([]);
      await t.http.get(`/v1/media/${used.id}/file`).set(auth(ws.editor.key)).expect(200);
    });

    it('retention removes stored files that no item names (a crash between storing and recording) once an hour old', async () => {
      const crashed = '11111111-2222-4333-8444-555555555555';
      const orphan = join(dir, 'media', crashed);
      const young = join(dir, 'media', '11111111-2222-4333-8444-666666666666');
      await writeFile(orphan, 'stored, then the instance died before the row');
      await writeFile(young, 'an upload between storing and recording');
      const old = new Date(Date.now() - 2 * 3600 * 1000);
      await utimes(orphan, old, old);
      const kept = (await upload(await png(74, 10)).expect(201)).body;
      const files = join(dir, 'media', kept.id);
      await utimes(files, old, old);
      const turn = await t.app.get(MediaRetentionJob).run();
      expect(turn!.orphanFiles).toBeGreaterThanOrEqual(1);
      await expect(stat(orphan)).rejects.toThrow();
      await stat(young);
      await stat(files);
      await rm(young);
    });

    it('two instances sharing MEDIA_DIR serve each other’s media; leftover temporary files are removed at start', async () => {
      const item = (await upload(await png(72, 10)).expect(201)).body;
      const leftover = join(dir, '.tmp', 'crashed.upload');
      const fresh = join(dir, '.tmp', 'in-progress.upload');
      await writeFile(leftover, 'half a file');
      await writeFile(fresh, 'another instance is writing this');
      const old = new Date(Date.now() - 2 * 3600 * 1000);
      await utimes(leftover, old, old);
      const second = await createSecondInstance(t, { mediaDir: dir });
      try {
        await expect(stat(leftover)).rejects.toThrow();
        await stat(fresh);
        const file = await second.http
          .get(item.url)
          .set(auth(s.viewer.key))
          .buffer(true)
          .parse(binary as never)
          .expect(200);
        expect(file.body.length).toBe(item.bytes);
        const theirs = await second.http
          .post(`/v1/workspaces/${s.workspaceId}/media`)
          .set(auth(s.editor.key))
          .attach('file', await png(73, 10), 'b.png')
          .expect(201);
        await t.http.get(theirs.body.url).set(auth(s.viewer.key)).expect(200);
      } finally {
        await second.close();
        await rm(fresh, { force: true });
      }
    });

    it('with S3-compatible storage: stored there, served by either instance, deleted there', async () => {
      const fake = await new S3Fake().start();
      const mediaS3 = {
        bucket: fake.bucket,
        endpoint: fake.url,
        region: 'eu-south-1',
        accessKeyId: fake.accessKeyId,
        secretAccessKey: 'fake-secret',
        forcePathStyle: true,
      };
      const tmp = await mkdtemp(join(tmpdir(), 'palinsesto-media-s3-'));
      const first = await createTestApp({ config: { mediaDir: tmp, mediaS3 } });
      const second = await createSecondInstance(first, {
        mediaDir: await mkdtemp(join(tmpdir(), 'palinsesto-media-s3-')),
        mediaS3,
      });
      try {
        const ws = await seedWorkspace(first);
        const item = (
          await first.http
            .post(`/v1/workspaces/${ws.workspaceId}/media`)
            .set(auth(ws.editor.key))
            .attach('file', await jpegWithGps(30, 20), 'a.jpg')
            .expect(201)
        ).body;
        expect([...fake.objects.keys()].sort()).toEqual([`media/${item.id}`, `media/${item.id}.thumb.webp`]);
        expect(fake.objects.get(`media/${item.id}`)!.contentType).toBe('image/jpeg');
        const file = await second.http
          .get(item.url)
          .set(auth(ws.viewer.key))
          .buffer(true)
          .parse(binary as never)
          .expect(200);
        expect(Buffer.compare(file.body as Buffer, fake.objects.get(`media/${item.id}`)!.body)).toBe(0);
        expect((await sharp(file.body as Buffer).metadata()).exif).toBeUndefined();
        await second.http.delete(`/v1/media/${item.id}`).set(auth(ws.editor.key)).expect(204);
        expect(fake.objects.size).toBe(0);
        expect(await readdir(join(tmp, '.tmp'))).toEqual([]);
      } finally {
        await second.close();
        await first.close();
        await fake.stop();
        await rm(tmp, { recursive: true, force: true });
      }
    });

    it('reports bytes stored and upload times in /metrics', async () => {
      const res = await t.http.get('/metrics').expect(200);
      expect(res.text).toMatch(/^palinsesto_media_stored_bytes \d+/m);
      expect(res.text).toMatch(/palinsesto_media_upload_duration_seconds_count\{kind="image",outcome="created"\} \d+/);
      expect(res.text).toMatch(/palinsesto_media_processing_duration_seconds_count\{kind="video"\} \d+/);
    });
  });
});

function binary(res: NodeJS.ReadableStream, done: (e: Error | null, b: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Sends a multipart upload of `total` bytes (starting with `head`) in 64 KiB steps, each
 * after the previous was written, and stops at the first answer: how much was sent by then.
 */
function sendSlowly(
  base: string,
  ws: { workspaceId: string; editor: { key: string } },
  head: Buffer,
  total: number,
): Promise<{ status: number; sent: number; detail: string }> {
  const boundary = 'slow-boundary';
  const preamble = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const ending = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(`${base}/v1/workspaces/${ws.workspaceId}/media`, {
      method: 'POST',
      headers: {
        ...auth(ws.editor.key),
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(preamble.length + total + ending.length),
      },
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { detail?: string };
        resolve({ status: res.statusCode ?? 0, sent, detail: body.detail ?? '' });
        req.destroy();
      });
    });
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const chunk = Buffer.alloc(64 * 1024, 7);
    const step = () => {
      if (answered) return;
      if (sent === 0) {
        req.write(Buffer.concat([preamble, head]));
        sent += head.length;
        return void setImmediate(step);
      }
      if (sent >= total) return void req.end(ending);
      const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += part.length;
      req.write(part, () => setTimeout(step, 1));
    };
    step();
  });
}
