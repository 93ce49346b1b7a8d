import busboy from 'busboy';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { DomainError, ErrorCode } from '../common/domain-error';
import { ACCEPTED_LIST, MediaRejection, sniffHead } from './media-probe';
import type { MediaKind } from './media.entity';

/** A file received whole into a temporary file, hashed and counted on the way. */
export interface ReceivedFile {
  path: string;
  bytes: number;
  sha256: string;
  /** The type read from the first bytes. */
  mimeType: string;
  kind: MediaKind;
}

export interface ReceiveLimits {
  /** Where temporary files go (same filesystem as the folder store: a rename moves them into place). */
  tmpDir: string;
  maxBytes: number;
  maxImageBytes: number;
}

/** Bytes file-type needs to recognise every type it knows. */
const SNIFF_BYTES = 4100;

/** The name of a temporary upload file; anything named so in tmpDir is a leftover once old. */
export const TEMP_SUFFIX = '.upload';

/**
 * Writes a stream of bytes to a temporary file while hashing and counting them, never holding
 * more than a chunk (and the first 4100 bytes, to read the type) in memory. Refuses as soon as
 * it knows: an unknown type after 4100 bytes (415), more than the limit for its kind (413).
 * On any failure the temporary file is removed before the promise rejects.
 */
export class StreamingFileSink {
  readonly path: string;
  private readonly hash = createHash('sha256');
  private readonly out: WriteStream;
  private head: Buffer[] = [];
  private headBytes = 0;
  private type: { mimeType: string; kind: MediaKind } | undefined;
  private sniffed = false;
  bytes = 0;

  constructor(private readonly limits: ReceiveLimits) {
    this.path = join(limits.tmpDir, `${randomUUID()}${TEMP_SUFFIX}`);
    // A large buffer: the socket's 64 KiB chunks are written without a pause and resume for each.
    this.out = createWriteStream(this.path, { flush: true, highWaterMark: 4 * 1024 * 1024 });
  }

  /** Reads `source` to its end into the file; rejects (and removes the file) on the first problem. */
  async consume(source: Readable, abort?: (error: Error) => void): Promise<ReceivedFile> {
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (e: Error) => {
          source.unpipe?.();
          source.removeAllListeners('data');
          reject(e);
          abort?.(e);
        };
        this.out.on('error', fail);
        source.on('error', fail);
        source.on('limit', () => fail(this.tooLarge(this.limits.maxBytes)));
        source.on('data', (chunk: Buffer) => {
          this.bytes += chunk.length;
          const limit = this.type?.kind === 'image' ? this.limits.maxImageBytes : this.limits.maxBytes;
          if (this.bytes > limit) return fail(this.tooLarge(limit));
          this.hash.update(chunk);
          if (!this.out.write(chunk)) {
            source.pause();
            this.out.once('drain', () => source.resume());
          }
          if (!this.sniffed) {
            this.head.push(chunk);
            this.headBytes += chunk.length;
            if (this.headBytes >= SNIFF_BYTES) {
              source.pause();
              this.sniff().then(
                () => {
                  if (this.type?.kind === 'image' && this.bytes > this.limits.maxImageBytes)
                    return fail(this.tooLarge(this.limits.maxImageBytes));
                  if (this.out.writableNeedDrain) this.out.once('drain', () => source.resume());
                  else source.resume();
                },
                (e: Error) => fail(e),
              );
            }
          }
        });
        source.on('end', () => {
          (async () => {
            if (this.bytes === 0) throw new MediaRejection('empty', 'The file is empty.');
            if (!this.sniffed) await this.sniff();
            await new Promise<void>((done, failed) => {
              this.out.once('error', failed);
              this.out.end(done);
            });
          })().then(resolve, fail);
        });
      });
      return { path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex'), ...this.type! };
    } catch (e) {
      await this.discard();
      throw e;
    }
  }

  /** Removes the temporary file (when the caller gives up before or after consume). */
  async discard(): Promise<void> {
    // The file is opened asynchronously: wait until the stream is closed (opened, then closed)
    // before removing it, or the open could create it again after the removal.
    if (!this.out.closed) {
      const closed = new Promise<void>((resolve) => this.out.once('close', () => resolve()));
      this.out.destroy();
      await closed;
    }
    await rm(this.path, { force: true });
  }

  private async sniff(): Promise<void> {
    this.sniffed = true;
    const head = Buffer.concat(this.head).subarray(0, SNIFF_BYTES);
    this.head = [];
    this.type = await sniffHead(head);
    if (!this.type) {
      throw new MediaRejection('unsupported', `The file is of no type the library takes; it takes ${ACCEPTED_LIST}.`);
    }
  }

  private tooLarge(limit: number): MediaRejection {
    return new MediaRejection(
      'too_large',
      `The file is larger than ${limit} bytes, the most the library takes${this.type ? ` for ${this.type.kind}s` : ''}.`,
    );
  }
}

const MULTIPART = /^multipart\/form-data\s*(;|$)/i;
/** A name a browser sends for a picked file: no path, no control characters. */
const hasPathOrControl = (name: string) =>
  name === '.' ||
  name === '..' ||
  /[/\\]/.test(name) ||
  [...name].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f');

/**
 * Reads a `multipart/form-data` upload: the file in the field `file` (streamed to a
 * temporary file), an optional `alt` field. The file's name is never used except to refuse
 * one with a path in it. Rejects with a DomainError (400 framing, 413 size, 415 type, 422
 * content); on every failure the temporary file is gone and the request is no longer read.
 */
export async function receiveMultipart(
  req: IncomingMessage,
  limits: ReceiveLimits,
): Promise<{ file: ReceivedFile; alt?: string }> {
  const type = req.headers['content-type'] ?? '';
  if (!MULTIPART.test(type)) {
    throw new DomainError(
      ErrorCode.UnsupportedType,
      'Send the file as multipart/form-data with the file in the field "file" (and alt text in the field "alt").',
    );
  }
  await mkdir(limits.tmpDir, { recursive: true });
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      preservePath: true,
      limits: { files: 1, fileSize: limits.maxBytes, fields: 10, fieldSize: 8 * 1024, parts: 20, headerPairs: 50 },
    });
  } catch {
    throw DomainError.invalid('file', 'The multipart body has no usable boundary in its Content-Type.');
  }
  return new Promise((resolve, reject) => {
    let sink: StreamingFileSink | undefined;
    let received: Promise<ReceivedFile> | undefined;
    let alt: string | undefined;
    let settled = false;
    const finish = (error: unknown, value?: { file: ReceivedFile; alt?: string }) => {
      if (settled) {
        if (value) void rm(value.file.path, { force: true });
        return;
      }
      settled = true;
      if (error) {
        req.unpipe(parser);
        parser.removeAllListeners();
        parser.on('error', () => undefined);
        void (sink?.discard() ?? Promise.resolve()).finally(() => reject(toDomainError(error)));
      } else resolve(value!);
    };
    parser.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        return finish(DomainError.invalid(name, `Unexpected file field "${name}": send the file in the field "file".`));
      }
      if (info.filename && hasPathOrControl(info.filename)) {
        stream.resume();
        return finish(
          DomainError.invalid('file', 'The file name must be a plain name, without a path or control characters.'),
        );
      }
      sink = new StreamingFileSink(limits);
      received = sink.consume(stream);
      received.catch((e: unknown) => finish(e));
    });
    parser.on('field', (name, value, info) => {
      if (name !== 'alt') return;
      if (info.valueTruncated) return finish(DomainError.invalid('alt', 'alt must be at most 1500 characters.'));
      alt = value;
    });
    parser.on('filesLimit', () => finish(DomainError.invalid('file', 'Send one file per upload.')));
    parser.on('partsLimit', () => finish(DomainError.invalid('file', 'The multipart body has too many parts.')));
    parser.on('fieldsLimit', () => finish(DomainError.invalid('file', 'The multipart body has too many fields.')));
    parser.on('error', (e: Error) => finish(e));
    parser.on('close', () => {
      if (!received) return finish(DomainError.invalid('file', 'The upload has no file: send it in the field "file".'));
      received.then(
        (file) => {
          if (alt !== undefined && alt.length > 1500) {
            void rm(file.path, { force: true });
            return finish(DomainError.invalid('alt', 'alt must be at most 1500 characters.'));
          }
          finish(null, { file, alt });
        },
        (e: unknown) => finish(e),
      );
    });
    req.on('aborted', () => finish(DomainError.invalid('file', 'The upload was aborted before its end.')));
    req.on('close', () => {
      if (!req.complete) finish(DomainError.invalid('file', 'The upload was aborted before its end.'));
    });
    req.pipe(parser);
  });
}

/** Errors of reading an upload as the problem the client gets. */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  if (error instanceof MediaRejection) return rejectionError(error);
  // busboy: "Unexpected end of form", "Malformed part header", ...
  return DomainError.invalid('file', 'The multipart body is malformed or incomplete.');
}

export function rejectionError(error: MediaRejection): DomainError {
  switch (error.kind) {
    case 'too_large':
      return new DomainError(ErrorCode.TooLarge, error.message);
    case 'unsupported':
      return new DomainError(ErrorCode.UnsupportedType, error.message, { accepted: ACCEPTED_LIST });
    case 'empty':
    case 'unprocessable':
      return new DomainError(ErrorCode.Unprocessable, error.message, {
        errors: [{ field: 'file', message: error.message }],
      });
    default: {
      const unreachable: never = error.kind;
      throw new Error(`unmapped rejection ${String(unreachable)}`);
    }
  }
}
