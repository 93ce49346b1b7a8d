import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, seedWorkspace } from '../support/fixtures';
import { png } from '../support/media-fixtures';

/** A site on 127.0.0.1 serving an image, a redirect to 127.0.0.2, and an endless body. */
async function site(image: Buffer) {
  const state = { endlessSent: 0, endlessClosed: false };
  const server: Server = createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    if (req.url === '/photo.png') {
      res.writeHead(200, { 'Content-Type': 'text/html' }); // the header lies; the bytes decide
      return void res.end(image);
    }
    if (req.url === '/moved') {
      res.writeHead(302, { Location: '/photo.png' });
      return void res.end();
    }
    if (req.url === '/elsewhere') {
      res.writeHead(302, { Location: `http://127.0.0.2:${port}/photo.png` });
      return void res.end();
    }
    if (req.url === '/declared-huge') {
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': String(10 * 1024 * 1024 * 1024) });
      return void res.write(image);
    }
    if (req.url === '/endless') {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.write(image.subarray(0, 64));
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        if (res.destroyed || state.endlessSent > 200 * 1024 * 1024) return;
        state.endlessSent += chunk.length;
        res.write(chunk, () => setImmediate(pump));
      };
      res.on('close', () => (state.endlessClosed = true));
      return pump();
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    state,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describe('media import from a URL (through the egress guard)', () => {
  let dir: string;
  let image: Buffer;
  let web: Awaited<ReturnType<typeof site>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palinsesto-import-'));
    image = await png(33, 22);
    web = await site(image);
  });
  afterAll(async () => {
    await web.close();
    await rm(dir, { recursive: true, force: true });
  });

  const importing = (t: TestApp, s: { workspaceId: string; editor: { key: string } }, url: string) =>
    t.http.post(`/v1/workspaces/${s.workspaceId}/media/imports`).set(auth(s.editor.key)).send({ url, alt: 'Imported' });

  const rows = async (t: TestApp) => (await t.db.query(`SELECT count(*)::int AS n FROM media`))[0].n as number;

  it('imports an allowed address, following redirects; the type comes from the bytes', async () => {
    const t = await createTestApp({ config: { mediaDir: dir } });
    try {
      const s = await seedWorkspace(t);
      const res = await importing(t, s, `${web.base}/moved`).expect(201);
      expect(res.body).toMatchObject({ kind: 'image', mimeType: 'image/png', width: 33, height: 22, alt: 'Imported' });
      const again = await importing(t, s, `${web.base}/photo.png`).expect(201);
      expect(again.body.id).toBe(res.body.id);
      const missing = await importing(t, s, `${web.base}/nothing`).expect(422);
      expect(missing.body.detail).toMatch(/answered 404/);
    } finally {
      await t.close();
    }
  });

  it('refuses loopback without EGRESS_ALLOW, directly and through a redirect, storing nothing', async () => {
    const closed = await createTestApp({ config: { mediaDir: dir, egressAllow: [] } });
    const narrow = await createTestApp({ config: { mediaDir: dir, egressAllow: ['127.0.0.1/32'] } });
    try {
      const s = await seedWorkspace(closed);
      const direct = await importing(closed, s, `${web.base}/photo.png`).expect(422);
      expect(direct.body.detail).toMatch(/not allowed: it is not a public internet address/);
      const n = await seedWorkspace(narrow);
      await importing(narrow, n, `${web.base}/photo.png`).expect(201);
      const redirected = await importing(narrow, n, `${web.base}/elsewhere`).expect(422);
      expect(redirected.body.detail).toMatch(/127\.0\.0\.2 is not allowed/);
      expect(await rows(closed)).toBe(0);
      expect(await rows(narrow)).toBe(1);
    } finally {
      await closed.close();
      await narrow.close();
    }
  });

  it('stops reading at the limit: a declared size is refused unread, an endless body is cut at MEDIA_MAX_BYTES', async () => {
    const t = await createTestApp({
      config: { mediaDir: dir, mediaMaxBytes: 2_000_000, mediaMaxImageBytes: 1_000_000 },
    });
    try {
      const s = await seedWorkspace(t);
      const declared = await importing(t, s, `${web.base}/declared-huge`).expect(413);
      expect(declared.body.detail).toMatch(/larger than 2000000 bytes/);
      const endless = await importing(t, s, `${web.base}/endless`).expect(413);
      expect(endless.body.detail).toMatch(/larger than 1000000 bytes/);
      const deadline = Date.now() + 5000;
      while (!web.state.endlessClosed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(web.state.endlessClosed).toBe(true);
      expect(web.state.endlessSent).toBeLessThan(50 * 1024 * 1024);
      expect(await rows(t)).toBe(0);
      expect(await readdir(join(dir, '.tmp'))).toEqual([]);
      await importing(t, s, 'file:///etc/passwd').expect(400);
    } finally {
      await t.close();
    }
  });
});
