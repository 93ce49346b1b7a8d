import fc from 'fast-check';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, seedWorkspace } from '../support/fixtures';
import { mp4, png } from '../support/media-fixtures';

/** Sends raw bytes with raw headers (no client-side checks), answers the status. */
function send(url: string, headers: Record<string, string>, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    let req;
    try {
      req = httpRequest(url, { method: 'POST', headers: { ...headers, 'Content-Length': String(body.length) } });
    } catch {
      return resolve(-1); // a header node itself refuses to send
    }
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-2));
    req.end(body);
  });
}

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

describe('upload endpoint under junk (property)', () => {
  let t: TestApp;
  let dir: string;
  let url: string;
  let key: string;
  let pieces: Buffer[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'palinsesto-junk-'));
    t = await createTestApp({ config: { mediaDir: dir } });
    const s = await seedWorkspace(t);
    url = `${t.url}/v1/workspaces/${s.workspaceId}/media`;
    key = s.editor.key;
    pieces = [
      await png(9, 9),
      mp4('avc1'),
      mp4('hvc1'),
      Buffer.from('GIF89a'),
      Buffer.from('\xff\xd8\xff\xe0', 'latin1'),
    ];
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('never answers a 5xx, whatever the headers and multipart framing, and leaves no temporary file', async () => {
    const boundary = fc.oneof(
      fc.constant('b0undary'),
      printable.filter((b) => b.length > 0 && !/[\r\n"]/.test(b)),
    );
    const partHeader = fc.oneof(
      fc.constant('Content-Disposition: form-data; name="file"; filename="a.png"'),
      fc.constant('Content-Disposition: form-data; name="alt"'),
      fc.constant('Content-Disposition: form-data; name="file"'),
      fc.constant('Content-Disposition: form-data; name="file"; filename="../x.png"'),
      fc.constant("Content-Disposition: form-data; filename*=UTF-8''%E2%82%AC.png; name=file"),
      fc.constant('Content-Type: image/jpeg'),
      printable.map((h) => `${h}: ${h}`),
      printable,
    );
    const payload = fc.oneof(
      fc.integer({ min: 0, max: 4 }).map((i) => pieces[i]!),
      fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
      printable.map((s) => Buffer.from(s)),
    );
    const part = fc.record({ headers: fc.array(partHeader, { maxLength: 4 }), data: payload, crlf: fc.boolean() });
    const request = fc.record({
      boundary,
      contentType: fc.oneof(
        fc.constant('multipart/form-data; boundary=%B'),
        fc.constant('multipart/form-data; boundary="%B"'),
        fc.constant('multipart/form-data'),
        fc.constant('multipart/mixed; boundary=%B'),
        fc.constant('application/json'),
        fc.constant('text/plain'),
        printable.map((s) => `multipart/form-data; ${s}`),
        printable,
      ),
      parts: fc.array(part, { maxLength: 4 }),
      close: fc.oneof(fc.constant('--%B--\r\n'), fc.constant(''), fc.constant('--%B'), printable),
      cut: fc.option(fc.nat(), { nil: undefined }),
      extraHeaders: fc.dictionary(
        fc.constantFrom('Content-Encoding', 'Transfer-Encoding-X', 'X-Junk', 'Accept', 'Content-Language'),
        printable,
        { maxKeys: 2 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const b = r.boundary;
        const chunks: Buffer[] = [];
        for (const p of r.parts) {
          chunks.push(Buffer.from(`--${b}\r\n${p.headers.join('\r\n')}\r\n${p.crlf ? '\r\n' : ''}`));
          chunks.push(p.data, Buffer.from('\r\n'));
        }
        chunks.push(Buffer.from(r.close.replace('%B', b)));
        let body = Buffer.concat(chunks);
        if (r.cut !== undefined) body = body.subarray(0, r.cut % (body.length + 1));
        const status = await send(
          url,
          { ...auth(key), ...r.extraHeaders, 'Content-Type': r.contentType.replace('%B', b) },
          body,
        );
        expect(status === -1 || (status >= 200 && status < 500)).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(await readdir(join(dir, '.tmp')).catch(() => [])).toEqual([]);
    const problems = await t.db.query(`SELECT count(*)::int AS n FROM media WHERE bytes = 0`);
    expect(problems[0].n).toBe(0);
  });
});
