import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredObject {
  body: Buffer;
  contentType: string;
  lastModified: Date;
  etag: string;
}

export interface S3FakeOptions {
  bucket?: string;
  accessKeyId?: string;
}

/**
 * A stand-in for S3-compatible object storage: a real HTTP server on 127.0.0.1 speaking the
 * path-style REST subset the AWS SDK uses for media (PutObject, GetObject with Range,
 * HeadObject, DeleteObject, ListObjectsV2), with S3's XML error bodies (NoSuchKey,
 * NoSuchBucket, InvalidAccessKeyId, AccessDenied). It checks that every request is signed
 * with SigV4 by the expected access key id (not the signature itself: the SDK computes that).
 * Decodes `aws-chunked` bodies, should the SDK send one.
 */
export class S3Fake {
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly objects = new Map<string, StoredObject>();
  readonly log: { method: string; key: string; status: number }[] = [];
  /** Set to make the next PutObject fail with a 500 after reading its body (a store that breaks mid-write). */
  failNextPut = false;
  private server?: Server;
  url = '';

  constructor(options: S3FakeOptions = {}) {
    this.bucket = options.bucket ?? 'palinsesto-media';
    this.accessKeyId = options.accessKeyId ?? 'AKIAFAKEMEDIA0001';
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) this.error(res, 500, 'InternalError', 'We encountered an internal error.');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const done = (status: number) => this.log.push({ method, key, status });
    const auth = req.headers.authorization ?? '';
    const credential = /^AWS4-HMAC-SHA256 Credential=([^/]+)\//.exec(auth)?.[1];
    if (!credential) {
      done(403);
      return this.error(res, 403, 'AccessDenied', 'Access Denied');
    }
    if (credential !== this.accessKeyId) {
      done(403);
      return this.error(
        res,
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      );
    }
    if (bucket !== this.bucket) {
      done(404);
      return this.error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    }
    if (method === 'GET' && key === '' && url.searchParams.get('list-type') === '2') {
      done(200);
      return this.list(res, url.searchParams);
    }
    if (method === 'PUT') {
      const content = /aws-chunked/.test(String(req.headers['content-encoding'] ?? '')) ? decodeChunked(body) : body;
      if (this.failNextPut) {
        this.failNextPut = false;
        done(500);
        return this.error(res, 500, 'InternalError', 'We encountered an internal error.');
      }
      const etag = `"${createHash('md5').update(content).digest('hex')}"`;
      this.objects.set(key, {
        body: content,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        lastModified: new Date(),
        etag,
      });
      done(200);
      res.writeHead(200, { ETag: etag, 'Content-Length': '0' });
      return void res.end();
    }
    const object = this.objects.get(key);
    if (method === 'DELETE') {
      this.objects.delete(key);
      done(204);
      res.writeHead(204);
      return void res.end();
    }
    if (!object) {
      done(404);
      if (method === 'HEAD') {
        res.writeHead(404);
        return void res.end();
      }
      return this.error(res, 404, 'NoSuchKey', 'The specified key does not exist.', key);
    }
    const headers = {
      'Content-Type': object.contentType,
      'Last-Modified': object.lastModified.toUTCString(),
      ETag: object.etag,
      'Accept-Ranges': 'bytes',
    };
    if (method === 'HEAD') {
      done(200);
      res.writeHead(200, { ...headers, 'Content-Length': String(object.body.length) });
      return void res.end();
    }
    if (method === 'GET') {
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), object.body.length - 1) : object.body.length - 1;
        if (start >= object.body.length) {
          done(416);
          return this.error(res, 416, 'InvalidRange', 'The requested range is not satisfiable');
        }
        done(206);
        res.writeHead(206, {
          ...headers,
          'Content-Range': `bytes ${start}-${end}/${object.body.length}`,
          'Content-Length': String(end - start + 1),
        });
        return void res.end(object.body.subarray(start, end + 1));
      }
      done(200);
      res.writeHead(200, { ...headers, 'Content-Length': String(object.body.length) });
      return void res.end(object.body);
    }
    done(405);
    this.error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }

  private list(res: ServerResponse, query: URLSearchParams): void {
    const prefix = query.get('prefix') ?? '';
    const max = Math.min(1000, Number(query.get('max-keys') ?? 1000));
    const after = query.get('continuation-token') ?? query.get('start-after') ?? '';
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = keys.slice(0, max);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const o = this.objects.get(k)!;
        return `<Contents><Key>${xml(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Name>${xml(this.bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys>` +
      `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<NextContinuationToken>${xml(page[page.length - 1]!)}</NextContinuationToken>` : ''}` +
      `${contents}</ListBucketResult>`;
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    res.end(body);
  }

  private error(res: ServerResponse, status: number, code: string, message: string, key?: string): void {
    res.writeHead(status, { 'Content-Type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xml(message)}</Message>${key ? `<Key>${xml(key)}</Key>` : ''}<RequestId>FAKE</RequestId></Error>`,
    );
  }
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** aws-chunked: `<hex size>[;chunk-signature=...]\r\n<data>\r\n` ... `0\r\n<trailers>\r\n`. */
function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(body.toString('latin1', offset, lineEnd).split(';')[0]!, 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
