import { crc32 } from 'node:zlib';
import sharp from 'sharp';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const MP4Box = require('mp4box') as {
  createFile(): {
    addTrack(options: Record<string, unknown>): number;
    addSample(track: number, data: Uint8Array, options: Record<string, unknown>): void;
    getBuffer(): { buffer: ArrayBuffer; byteLength?: number };
  };
};

const base = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 20 } } });

/** A JPEG taken "with a phone": EXIF with GPS position and orientation 6 (rotate 90° to show). */
export async function jpegWithGps(width = 64, height = 48): Promise<Buffer> {
  return base(width, height)
    .jpeg()
    .withMetadata({
      orientation: 6,
      exif: {
        IFD0: { Make: 'PhoneCo', Model: 'Camera 1', Copyright: 'Somebody' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '45/1 27/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '9/1 11/1 0/1' },
      },
    })
    .toBuffer();
}

export const png = (width = 40, height = 30) => base(width, height).png().toBuffer();
export const webp = (width = 40, height = 30) => base(width, height).webp().toBuffer();
export const gif = (width = 40, height = 30) => base(width, height).gif().toBuffer();

/** A noisy JPEG of some size (hard to compress: for the re-encode-to-fit tests). */
export async function noisyJpeg(width: number, height: number, seed = 1): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  let x = seed;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    raw[i] = x >> 16;
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 98 })
    .toBuffer();
}

/**
 * A PNG whose header claims 30000x30000 pixels (900 megapixels) over a few bytes of data:
 * a decompression bomb (the classic form: a small file, a huge canvas).
 */
export async function pixelBombPng(): Promise<Buffer> {
  const small = await png(8, 8);
  const out = Buffer.from(small);
  // IHDR: after the 8-byte signature, length(4) 'IHDR'(4) width(4) height(4) ...; CRC after 13 data bytes.
  out.writeUInt32BE(30000, 16);
  out.writeUInt32BE(30000, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)) >>> 0, 29);
  return out;
}

/**
 * A small MP4 made with mp4box's writer: one video track of `codec` (avc1: H.264 with a
 * minimal avcC; hvc1: HEVC), 320x240, 2 seconds in 10 samples. The samples are not real
 * frames: the library reads only the container (duration, size, codec).
 */
export function mp4(codec: 'avc1' | 'hvc1' = 'avc1', opts: { samples?: number; sampleBytes?: number } = {}): Buffer {
  const file = MP4Box.createFile();
  const samples = opts.samples ?? 10;
  const track: Record<string, unknown> = {
    timescale: 1000,
    width: 320,
    height: 240,
    nb_samples: samples,
    duration: samples * 200,
    type: codec,
  };
  if (codec === 'avc1') {
    const avcC = Uint8Array.from([
      1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 1, 0, 4, 0x68, 0xce, 0x3c, 0x80,
    ]);
    track.avcDecoderConfigRecord = avcC.buffer;
  }
  const id = file.addTrack(track);
  for (let i = 0; i < samples; i++) {
    file.addSample(id, new Uint8Array(opts.sampleBytes ?? 100).fill(i), { duration: 200, is_sync: i === 0 });
  }
  const ds = file.getBuffer();
  return Buffer.from(ds.buffer, 0, ds.byteLength ?? ds.buffer.byteLength);
}

/** A multipart/form-data body by hand (for malformed variants): parts of {name, filename?, type?, data}. */
export function multipart(
  parts: { name: string; filename?: string; type?: string; data: Buffer | string }[],
  boundary = '----palinsesto-test-boundary',
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`,
      ),
    );
    chunks.push(typeof p.data === 'string' ? Buffer.from(p.data) : p.data);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
