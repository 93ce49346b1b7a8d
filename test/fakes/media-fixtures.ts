import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import type { OpenedMedia, PublishableMedia } from '../../src/publishing/adapters/platform-adapter';

/**
 * In-memory PublishableMedia for adapter tests: what the media library hands the adapters,
 * without storage. `opens` counts the opens (and the maxBytes asked), so a test sees that a
 * retry did not upload a file again.
 */
export interface TestMedia extends PublishableMedia {
  data: Buffer;
  opens: { maxBytes?: number }[];
}

function fromBuffer(
  data: Buffer,
  meta: Omit<PublishableMedia, 'open' | 'bytes' | 'sha256' | 'url'> & { url?: string },
  reencode?: (maxBytes: number) => Promise<OpenedMedia>,
): TestMedia {
  const opens: { maxBytes?: number }[] = [];
  return {
    ...meta,
    url: meta.url ?? `https://media.example/signed/${meta.id}?sig=test`,
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    data,
    opens,
    open: async (opts = {}) => {
      opens.push(opts);
      if (opts.maxBytes !== undefined && data.length > opts.maxBytes && reencode) return reencode(opts.maxBytes);
      return {
        stream: Readable.from([data]),
        bytes: data.length,
        mimeType: meta.mimeType,
        width: meta.width,
        height: meta.height,
      };
    },
  };
}

/** A JPEG of one colour (sharp), `noise` makes it large (random pixels compress badly). */
export async function testImage(options: {
  id: string;
  width: number;
  height: number;
  alt?: string;
  focus?: { x: number; y: number };
  background?: string;
  noise?: boolean;
}): Promise<TestMedia> {
  const { width, height } = options;
  const data = options.noise
    ? await sharp(randomBytes(width * height * 3), {
        raw: { width, height, channels: 3 },
      })
        .jpeg({ quality: 100 })
        .toBuffer()
    : await sharp({ create: { width, height, channels: 3, background: options.background ?? '#39c' } })
        .jpeg()
        .toBuffer();
  return fromBuffer(
    data,
    {
      id: options.id,
      kind: 'image',
      mimeType: 'image/jpeg',
      width,
      height,
      alt: options.alt ?? '',
      focus: options.focus ?? null,
    },
    // As the library does: scaled down and re-encoded until it fits, the original kept.
    async (maxBytes) => {
      let scale = 1;
      for (;;) {
        const w = Math.max(1, Math.round(width * scale));
        const h = Math.max(1, Math.round(height * scale));
        const out = await sharp(data).resize(w, h).jpeg({ quality: 80 }).toBuffer();
        if (out.length <= maxBytes) {
          return { stream: Readable.from([out]), bytes: out.length, mimeType: 'image/jpeg', width: w, height: h };
        }
        scale *= 0.7;
      }
    },
  );
}

/** A few bytes that start like an MP4 (`ftyp`): the stand-ins accept video by type, without decoding it. */
export function testVideo(options: {
  id: string;
  bytes?: number;
  durationMs?: number;
  width?: number;
  height?: number;
  alt?: string;
}): TestMedia {
  const size = options.bytes ?? 4096;
  const data = Buffer.alloc(size, 7);
  Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]).copy(data);
  return fromBuffer(data, {
    id: options.id,
    kind: 'video',
    mimeType: 'video/mp4',
    width: options.width ?? 1280,
    height: options.height ?? 720,
    durationMs: options.durationMs ?? 12_000,
    alt: options.alt ?? '',
  });
}
