/**
 * What a stored file is, read from its bytes only (never a name or a header): the type by
 * file-type's signatures, images decoded and re-encoded by sharp (libvips), MP4s by mp4box.
 * Pure functions over files; errors are MediaRejection with the status the API answers.
 */
import { open } from 'node:fs/promises';
import sharp from 'sharp';
import type { MediaKind } from './media.entity';

// file-type 16 is the last CommonJS major; its types ship with it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fileType = require('file-type') as {
  fromFile(path: string): Promise<{ ext: string; mime: string } | undefined>;
  fromBuffer(buffer: Uint8Array): Promise<{ ext: string; mime: string } | undefined>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MP4Box = require('mp4box') as {
  createFile(): Mp4File;
};

interface Mp4Track {
  codec: string;
  type?: string;
  video?: { width: number; height: number };
  track_width: number;
  track_height: number;
}
interface Mp4Info {
  duration: number;
  timescale: number;
  tracks: Mp4Track[];
}
interface Mp4File {
  onReady?: (info: Mp4Info) => void;
  onError?: (module: string, message: string) => void;
  appendBuffer(buffer: ArrayBuffer & { fileStart?: number }): number;
  flush(): void;
}

/** The types the library takes, by the mime type file-type reads from the bytes. */
export const ACCEPTED_TYPES: Record<string, MediaKind> = {
  'image/jpeg': 'image',
  'image/png': 'image',
  'image/webp': 'image',
  'image/gif': 'image',
  'video/mp4': 'video',
};
export const ACCEPTED_LIST = 'JPEG, PNG, WebP and GIF images, and MP4 (H.264) video';

/** Decoded pixels (all frames of an animation) beyond which an image is refused: decompression bombs. */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** Thumbnails: WebP, at most this many pixels wide and high. */
export const THUMBNAIL_SIZE = 320;

export type RejectionKind = 'too_large' | 'unsupported' | 'unprocessable' | 'empty';

/** A file the library does not take, with the reason a user can act on. */
export class MediaRejection extends Error {
  constructor(
    readonly kind: RejectionKind,
    message: string,
  ) {
    super(message);
    this.name = 'MediaRejection';
  }
}

/** The type of a file from its first bytes; MediaRejection unless it is one the library takes. */
export async function sniffFile(path: string): Promise<{ mimeType: string; kind: MediaKind }> {
  return accepted(await fileType.fromFile(path));
}

/** The type from the first bytes of a file (at least 4100 bytes, or the whole file), or undefined. */
export async function sniffHead(head: Uint8Array): Promise<{ mimeType: string; kind: MediaKind } | undefined> {
  const found = await fileType.fromBuffer(head);
  if (!found) return undefined;
  const kind = ACCEPTED_TYPES[found.mime];
  return kind ? { mimeType: found.mime, kind } : undefined;
}

function accepted(found: { mime: string } | undefined): { mimeType: string; kind: MediaKind } {
  const kind = found ? ACCEPTED_TYPES[found.mime] : undefined;
  if (!found || !kind) {
    throw new MediaRejection(
      'unsupported',
      `${found ? `The file is ${found.mime}` : 'The file is of no type the library knows'}; the library takes ${ACCEPTED_LIST}.`,
    );
  }
  return { mimeType: found.mime, kind };
}

export interface ProcessedImage {
  width: number;
  height: number;
}

const inputOptions = (mimeType: string): sharp.SharpOptions => ({
  limitInputPixels: MAX_IMAGE_PIXELS,
  animated: mimeType === 'image/gif' || mimeType === 'image/webp',
  failOn: 'error',
});

/**
 * Re-encodes the image at `src` into `out` in its own format, turned upright by its EXIF
 * orientation, without its metadata (EXIF, GPS, XMP, IPTC: sharp keeps none unless asked),
 * and writes a WebP thumbnail to `thumb`. Refuses pixel bombs before decoding them.
 */
export async function processImage(src: string, mimeType: string, out: string, thumb: string): Promise<ProcessedImage> {
  let meta: sharp.Metadata;
  try {
    // The header only (no pixels decoded): the size is checked here, before anything is decoded.
    meta = await sharp(src, { ...inputOptions(mimeType), limitInputPixels: false }).metadata();
  } catch {
    throw new MediaRejection('unprocessable', 'The image could not be read: the file is damaged or incomplete.');
  }
  const pages = meta.pages ?? 1;
  const pageHeight = meta.pageHeight ?? meta.height ?? 0;
  const pixels = (meta.width ?? 0) * pageHeight * pages;
  if (!meta.width || !meta.height || pixels > MAX_IMAGE_PIXELS) {
    throw new MediaRejection(
      'unprocessable',
      `The image is ${meta.width ?? '?'}x${pageHeight}${pages > 1 ? ` in ${pages} frames` : ''} pixels; the library takes at most ${MAX_IMAGE_PIXELS.toLocaleString('en')} pixels.`,
    );
  }
  try {
    let pipeline = sharp(src, inputOptions(mimeType)).rotate();
    pipeline =
      mimeType === 'image/jpeg'
        ? pipeline.jpeg({ quality: 90, mozjpeg: true })
        : mimeType === 'image/png'
          ? pipeline.png({ compressionLevel: 9 })
          : mimeType === 'image/webp'
            ? pipeline.webp({ quality: 90 })
            : pipeline.gif();
    await pipeline.toFile(out);
    await sharp(out, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' })
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 70 })
      .toFile(thumb);
  } catch {
    throw new MediaRejection('unprocessable', 'The image could not be read: the file is damaged or incomplete.');
  }
  const turned = (meta.orientation ?? 1) >= 5;
  return { width: turned ? pageHeight : meta.width, height: turned ? meta.width : pageHeight };
}

export interface ProbedVideo {
  width: number;
  height: number;
  durationMs: number;
  codec: string;
}

/** Largest moov box read into memory (its sample tables): 64 MiB is hours of video. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

/**
 * Duration, size and codec of an MP4, from its `moov` box only: the top-level boxes are
 * walked by their headers, so a 200 MB file costs a few small reads, wherever its moov is.
 * Takes H.264 (avc1/avc3) only.
 */
export async function probeVideo(path: string): Promise<ProbedVideo> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const boxes: { start: number; data: Buffer }[] = [];
    let offset = 0;
    let sawMoov = false;
    const header = Buffer.alloc(16);
    while (offset + 8 <= size) {
      await handle.read(header, 0, 16, offset);
      let boxSize = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      let headerSize = 8;
      if (boxSize === 1) {
        boxSize = Number(header.readBigUInt64BE(8));
        headerSize = 16;
      } else if (boxSize === 0) boxSize = size - offset;
      if (boxSize < headerSize || offset + boxSize > size) break;
      if (type === 'ftyp' || type === 'moov') {
        if (boxSize > MAX_MOOV_BYTES) throw unreadableVideo();
        const data = Buffer.alloc(boxSize);
        await handle.read(data, 0, boxSize, offset);
        boxes.push({ start: offset, data });
        if (type === 'moov') sawMoov = true;
      }
      offset += boxSize;
    }
    if (!sawMoov) throw unreadableVideo();
    const info = await new Promise<Mp4Info>((resolve, reject) => {
      const file = MP4Box.createFile();
      file.onReady = resolve;
      file.onError = () => reject(unreadableVideo());
      try {
        for (const box of boxes) {
          const ab = box.data.buffer.slice(
            box.data.byteOffset,
            box.data.byteOffset + box.data.length,
          ) as ArrayBuffer & {
            fileStart?: number;
          };
          ab.fileStart = box.start;
          file.appendBuffer(ab);
        }
        file.flush();
      } catch {
        reject(unreadableVideo());
      }
      setImmediate(() => reject(unreadableVideo()));
    });
    const video = info.tracks.find((t) => t.video || t.type === 'video');
    if (!video) throw new MediaRejection('unprocessable', 'The MP4 has no video track.');
    if (!/^avc[13]\b/.test(video.codec)) {
      throw new MediaRejection(
        'unprocessable',
        `The video is encoded with ${video.codec.split('.')[0]}; the library takes MP4 video encoded with H.264 (avc1). Re-encode it as H.264.`,
      );
    }
    return {
      width: video.video?.width ?? video.track_width,
      height: video.video?.height ?? video.track_height,
      durationMs: info.timescale > 0 ? Math.round((info.duration / info.timescale) * 1000) : 0,
      codec: video.codec,
    };
  } finally {
    await handle.close();
  }
}

const unreadableVideo = () =>
  new MediaRejection('unprocessable', 'The MP4 could not be read: the file is damaged, incomplete or has no moov box.');

/** Re-encodes image bytes until they fit in `maxBytes`: quality steps, then smaller sizes. */
export async function fitImage(
  input: Buffer,
  mimeType: string,
  maxBytes: number,
): Promise<{ data: Buffer; mimeType: string; width: number; height: number }> {
  const meta = await sharp(input, inputOptions(mimeType)).metadata();
  const width = meta.width ?? 1;
  const format: 'jpeg' | 'webp' | 'png' | 'gif' =
    mimeType === 'image/webp' ? 'webp' : mimeType === 'image/png' ? 'png' : mimeType === 'image/gif' ? 'gif' : 'jpeg';
  for (let scale = 1; scale > 0.05; scale *= 0.75) {
    const qualities = format === 'jpeg' || format === 'webp' ? [85, 75, 65, 55] : [0];
    for (const quality of qualities) {
      let p = sharp(input, inputOptions(mimeType));
      if (scale < 1) p = p.resize(Math.max(1, Math.round(width * scale)));
      p =
        format === 'jpeg'
          ? p.jpeg({ quality, mozjpeg: true })
          : format === 'webp'
            ? p.webp({ quality })
            : format === 'png'
              ? p.png({ palette: true, compressionLevel: 9 })
              : p.gif();
      const { data, info } = await p.toBuffer({ resolveWithObject: true });
      if (data.length <= maxBytes) {
        return { data, mimeType: `image/${format}`, width: info.width, height: info.pageHeight ?? info.height };
      }
    }
  }
  throw new MediaRejection('too_large', `The image cannot be made to fit in ${maxBytes} bytes.`);
}
