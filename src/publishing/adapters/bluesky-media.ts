import type { Readable } from 'node:stream';
import type { HttpCall, PublishHttpClient } from './http-client';
import { asRecord, stringField } from './json-shape';
import type { LinkCard } from './link-card.fetcher';
import { chunksOf, pollUntilReady } from './media-steps';
import type { MediaUploadLedger, PublishableMedia } from './platform-adapter';
import { PublishError } from './publish-error';

/** app.bsky.embed.images: at most 4 images, each blob at most 1,000,000 bytes (the lexicon's maxSize). */
export const BLUESKY_MAX_IMAGES = 4;
export const BLUESKY_IMAGE_MAX_BYTES = 1_000_000;
/** app.bsky.embed.video: one mp4 blob of at most 100,000,000 bytes; the video service: 3 minutes. */
export const BLUESKY_VIDEO_MAX_BYTES = 100_000_000;
export const BLUESKY_VIDEO_MAX_DURATION_MS = 180_000;
export const DEFAULT_BLUESKY_VIDEO_SERVICE = 'https://video.bsky.app';

/** A blob reference as uploadBlob answers it and records carry it. */
export interface BlobRef {
  $type: 'blob';
  ref: { $link: string };
  mimeType: string;
  size: number;
}

export type BlueskyEmbed =
  | {
      $type: 'app.bsky.embed.images';
      images: { image: BlobRef; alt: string; aspectRatio?: { width: number; height: number } }[];
    }
  | { $type: 'app.bsky.embed.video'; video: BlobRef; alt?: string; aspectRatio?: { width: number; height: number } }
  | {
      $type: 'app.bsky.embed.external';
      external: { uri: string; title: string; description: string; thumb?: BlobRef };
    };

export function parseBlobRef(value: unknown): BlobRef | undefined {
  const record = asRecord(value);
  const link = stringField(asRecord(record?.['ref']), '$link');
  const mimeType = stringField(record, 'mimeType');
  const size = record?.['size'];
  if (!link || !/^[a-z0-9]{8,200}$/i.test(link) || !mimeType || typeof size !== 'number' || !Number.isInteger(size)) {
    return undefined;
  }
  return { $type: 'blob', ref: { $link: link }, mimeType, size };
}

function parseUploaded(body: unknown): BlobRef | undefined {
  return parseBlobRef(asRecord(body)?.['blob']);
}

interface JobStatus {
  jobId: string;
  state: string;
  blob?: BlobRef;
}

/** The video service answers `{jobStatus: {...}}` (the lexicon) or, on some paths, the job status bare. */
function parseJobStatus(body: unknown): JobStatus | undefined {
  const outer = asRecord(body);
  const record = asRecord(outer?.['jobStatus']) ?? outer;
  const jobId = stringField(record, 'jobId');
  const state = stringField(record, 'state');
  if (!jobId || !/^[A-Za-z0-9_.:-]{1,200}$/.test(jobId) || !state) return undefined;
  const blob = parseBlobRef(record?.['blob']);
  return { jobId, state, ...(blob ? { blob } : {}) };
}

function parseToken(body: unknown): string | undefined {
  return stringField(asRecord(body), 'token');
}

/** `did:web:` of a service's host, the port percent-encoded as did:web writes it. */
export function didWebOf(url: string): string {
  const parsed = new URL(url);
  return `did:web:${parsed.hostname}${parsed.port ? `%3A${parsed.port}` : ''}`;
}

/** What the media steps need of the adapter: its XRPC calls on the PDS, the session's did. */
export interface BlueskyMediaContext {
  http: PublishHttpClient;
  /** An authenticated call to the PDS (the session's token). */
  pds: (nsid: string, call: Omit<HttpCall, 'platform' | 'url'>) => HttpCall;
  /** The PDS's base URL (the service token's audience for uploads). */
  pdsUrl: string;
  videoService: string;
  did: string;
  /** Now, in epoch seconds (a service token's expiry). */
  nowSeconds: () => number;
  signal?: AbortSignal;
}

interface LedgerImage {
  blob: BlobRef;
  width?: number;
  height?: number;
}

function readLedger(value: string | null): { blob?: LedgerImage; jobId?: string } {
  if (!value) return {};
  try {
    const parsed = asRecord(JSON.parse(value) as unknown);
    const blob = parseBlobRef(parsed?.['blob']);
    if (blob) {
      const width = parsed?.['width'];
      const height = parsed?.['height'];
      return {
        blob: {
          blob,
          width: typeof width === 'number' ? width : undefined,
          height: typeof height === 'number' ? height : undefined,
        },
      };
    }
    const jobId = stringField(parsed, 'jobId');
    return jobId ? { jobId } : {};
  } catch {
    return {};
  }
}

function aspectRatio(width?: number, height?: number): { width: number; height: number } | undefined {
  if (!width || !height || width < 1 || height < 1) return undefined;
  return { width: Math.round(width), height: Math.round(height) };
}

/** Bluesky's shape of a post's media: a reason it cannot carry them, or null. */
export function blueskyMediaProblem(media: readonly PublishableMedia[]): string | null {
  const videos = media.filter((m) => m.kind === 'video').length;
  const images = media.length - videos;
  if (videos > 0 && images > 0) return 'Bluesky takes either one video or up to 4 images, not both';
  if (videos > 1) return `Bluesky takes one video per post; this post has ${videos}`;
  if (images > BLUESKY_MAX_IMAGES) return `Bluesky takes at most ${BLUESKY_MAX_IMAGES} images; this post has ${images}`;
  return null;
}

/** Uploads one file's bytes to the PDS (uploadBlob), streamed. */
async function uploadBlob(
  ctx: BlueskyMediaContext,
  data: { stream: Readable; bytes: number; mimeType: string } | { buffer: Buffer; bytes: number; mimeType: string },
): Promise<BlobRef> {
  const body: Uint8Array | AsyncIterable<Uint8Array> = 'buffer' in data ? data.buffer : chunksOf(data.stream);
  const { body: blob } = await ctx.http.requestJson(
    ctx.pds('com.atproto.repo.uploadBlob', {
      method: 'POST',
      headers: { 'content-type': data.mimeType, 'content-length': String(data.bytes) },
      body,
      signal: ctx.signal,
      timeoutMs: ctx.http.uploadTimeoutMs(data.bytes),
      // An unreferenced blob is removed by the PDS: uploading again is harmless.
      writes: false,
    }),
    parseUploaded,
  );
  return blob;
}

/** app.bsky.embed.images: each image re-encoded to fit 1,000,000 bytes when larger, with alt and aspect ratio. */
export async function blueskyImagesEmbed(
  ctx: BlueskyMediaContext,
  images: readonly PublishableMedia[],
  ledger: MediaUploadLedger,
): Promise<BlueskyEmbed> {
  const out: { image: BlobRef; alt: string; aspectRatio?: { width: number; height: number } }[] = [];
  for (const item of images) {
    let uploaded = readLedger(await ledger.get(item.id)).blob;
    if (!uploaded) {
      const opened = await item.open({ maxBytes: BLUESKY_IMAGE_MAX_BYTES });
      try {
        const blob = await uploadBlob(ctx, { stream: opened.stream, bytes: opened.bytes, mimeType: opened.mimeType });
        uploaded = { blob, width: opened.width ?? item.width, height: opened.height ?? item.height };
      } finally {
        opened.stream.destroy();
      }
      await ledger.put(item.id, JSON.stringify(uploaded));
    }
    const ratio = aspectRatio(uploaded.width, uploaded.height);
    out.push({ image: uploaded.blob, alt: item.alt, ...(ratio ? { aspectRatio: ratio } : {}) });
  }
  return { $type: 'app.bsky.embed.images', images: out };
}

/**
 * app.bsky.embed.video through the video service: its upload limits asked first
 * (`app.bsky.video.getUploadLimits`, service token for the video service), then
 * `app.bsky.video.uploadVideo` with a service token for the PDS's `uploadBlob` (the video
 * service stores the processed blob in the account's repository), then
 * `app.bsky.video.getJobStatus` polled until JOB_STATE_COMPLETED with its blob, within the
 * processing wait. The job id goes into the ledger right after the upload, the blob once done.
 */
export async function blueskyVideoEmbed(
  ctx: BlueskyMediaContext,
  video: PublishableMedia,
  ledger: MediaUploadLedger,
): Promise<BlueskyEmbed> {
  const recorded = readLedger(await ledger.get(video.id));
  let blob = recorded.blob?.blob;
  if (!blob) {
    let jobId = recorded.jobId;
    if (!jobId) {
      await checkUploadLimits(ctx, video);
      const token = await serviceToken(ctx, didWebOf(ctx.pdsUrl), 'com.atproto.repo.uploadBlob');
      const opened = await video.open();
      try {
        const query = new URLSearchParams({ did: ctx.did, name: `${video.id}.mp4` });
        const { body } = await ctx.http.requestJson(
          {
            platform: 'bluesky',
            method: 'POST',
            url: `${ctx.videoService}/xrpc/app.bsky.video.uploadVideo?${query.toString()}`,
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': opened.mimeType,
              'content-length': String(opened.bytes),
            },
            body: chunksOf(opened.stream),
            signal: ctx.signal,
            timeoutMs: ctx.http.uploadTimeoutMs(opened.bytes),
            secrets: [token],
            addressField: 'videoService',
            writes: false,
          },
          parseJobStatus,
        );
        jobId = body.jobId;
        blob = body.state === 'JOB_STATE_COMPLETED' ? body.blob : undefined;
      } finally {
        opened.stream.destroy();
      }
      await ledger.put(video.id, JSON.stringify({ jobId }));
    }
    if (!blob) blob = await waitForJob(ctx, jobId);
    await ledger.put(video.id, JSON.stringify({ blob }));
  }
  const ratio = aspectRatio(video.width, video.height);
  return {
    $type: 'app.bsky.embed.video',
    video: blob,
    ...(video.alt ? { alt: video.alt } : {}),
    ...(ratio ? { aspectRatio: ratio } : {}),
  };
}

async function serviceToken(ctx: BlueskyMediaContext, aud: string, lxm: string): Promise<string> {
  const query = new URLSearchParams({ aud, lxm, exp: String(ctx.nowSeconds() + 30 * 60) });
  const { body } = await ctx.http.requestJson(
    ctx.pds(`com.atproto.server.getServiceAuth?${query.toString()}`, { method: 'GET', signal: ctx.signal }),
    parseToken,
  );
  return body;
}

async function checkUploadLimits(ctx: BlueskyMediaContext, video: PublishableMedia): Promise<void> {
  const token = await serviceToken(ctx, didWebOf(ctx.videoService), 'app.bsky.video.getUploadLimits');
  const { body } = await ctx.http.requestJson(
    {
      platform: 'bluesky',
      method: 'GET',
      url: `${ctx.videoService}/xrpc/app.bsky.video.getUploadLimits`,
      headers: { authorization: `Bearer ${token}` },
      signal: ctx.signal,
      secrets: [token],
      addressField: 'videoService',
    },
    (value) => asRecord(value),
  );
  if (body['canUpload'] === false) {
    throw new PublishError(
      'rejected',
      'bluesky: the video service does not take a video from this account now (daily limit reached, or the account email is not verified).',
      { platform: 'bluesky' },
    );
  }
  const remainingBytes = body['remainingDailyBytes'];
  if (typeof remainingBytes === 'number' && remainingBytes < video.bytes) {
    throw new PublishError(
      'rate_limited',
      `bluesky: the account has ${remainingBytes} bytes of video left today; the video is ${video.bytes} bytes.`,
      { platform: 'bluesky' },
    );
  }
}

async function waitForJob(ctx: BlueskyMediaContext, jobId: string): Promise<BlobRef> {
  return pollUntilReady(
    async () => {
      const { body } = await ctx.http.requestJson(
        {
          platform: 'bluesky',
          method: 'GET',
          url: `${ctx.videoService}/xrpc/app.bsky.video.getJobStatus?jobId=${encodeURIComponent(jobId)}`,
          signal: ctx.signal,
          addressField: 'videoService',
        },
        parseJobStatus,
      );
      if (body.state === 'JOB_STATE_FAILED') {
        throw new PublishError('rejected', 'bluesky: the video service could not process the video.', {
          platform: 'bluesky',
        });
      }
      return body.state === 'JOB_STATE_COMPLETED' && body.blob ? body.blob : undefined;
    },
    {
      platform: 'bluesky',
      what: 'the video',
      timeoutMs: ctx.http.media.processingTimeoutMs,
      intervalMs: ctx.http.media.pollIntervalMs,
      signal: ctx.signal,
    },
  );
}

/** app.bsky.embed.external from a card; its image uploaded as the thumb (already made to fit). */
export async function blueskyExternalEmbed(ctx: BlueskyMediaContext, card: LinkCard): Promise<BlueskyEmbed> {
  let thumb: BlobRef | undefined;
  if (card.image) {
    thumb = await uploadBlob(ctx, {
      buffer: card.image.data,
      bytes: card.image.data.length,
      mimeType: card.image.mimeType,
    }).catch(() => undefined); // a card without its image rather than no card
  }
  return {
    $type: 'app.bsky.embed.external',
    external: { uri: card.uri, title: card.title, description: card.description, ...(thumb ? { thumb } : {}) },
  };
}
