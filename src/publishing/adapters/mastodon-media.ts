import { randomBytes } from 'node:crypto';
import { chunksOf, nth, pollUntilReady } from './media-steps';
import type { PublishHttpClient } from './http-client';
import { asRecord, idField } from './json-shape';
import type { MediaUploadLedger, PublishableMedia } from './platform-adapter';
import { PublishError } from './publish-error';

/** Mastodon's description limit (MediaAttachment::MAX_DESCRIPTION_LENGTH). */
export const MASTODON_DESCRIPTION_LIMIT = 1_500;

const MEDIA_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseMediaAttachment(body: unknown): { id: string } | undefined {
  const id = idField(asRecord(body), 'id');
  return id && MEDIA_ID.test(id) ? { id } : undefined;
}

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
};

/** Mastodon's focus parameter: "x,y", each -1..1, two decimals. */
export function focusParam(focus: { x: number; y: number }): string {
  const clamp = (v: number): string => Math.max(-1, Math.min(1, v)).toFixed(2);
  return `${clamp(focus.x)},${clamp(focus.y)}`;
}

interface MastodonMediaContext {
  http: PublishHttpClient;
  base: string;
  accessToken: string;
  signal?: AbortSignal;
}

/**
 * Uploads the post's media to Mastodon in order and returns their ids once every new upload
 * is processed. Each id goes into the ledger right after its upload. An id already in the
 * ledger is used as it is (`reused`): a retry whose status was in fact created is answered
 * from the Idempotency-Key without looking at media_ids, so it costs one request. With
 * `verifyRecorded` (after the instance refused the reused ids with a 422), each recorded id
 * is checked (`GET /api/v1/media/:id`): processing ones are waited for, unknown ones (404:
 * gone, or attached elsewhere) uploaded again.
 */
export async function uploadMastodonMedia(
  ctx: MastodonMediaContext,
  media: readonly PublishableMedia[],
  ledger: MediaUploadLedger,
  verifyRecorded = false,
): Promise<{ ids: string[]; reused: boolean }> {
  const ids: string[] = [];
  let reused = false;
  for (const [index, item] of media.entries()) {
    const what = nth(index, media.length, item.kind);
    const recorded = await ledger.get(item.id);
    if (recorded && MEDIA_ID.test(recorded)) {
      const state = verifyRecorded ? await mediaState(ctx, recorded, what) : 'ready';
      if (state !== 'gone') {
        if (state === 'processing') await waitProcessed(ctx, recorded, what);
        ids.push(recorded);
        reused = true;
        continue;
      }
    }
    const { id, processing } = await upload(ctx, item);
    await ledger.put(item.id, id);
    if (processing) await waitProcessed(ctx, id, what);
    ids.push(id);
  }
  return { ids, reused };
}

async function upload(ctx: MastodonMediaContext, item: PublishableMedia): Promise<{ id: string; processing: boolean }> {
  const opened = await item.open();
  const boundary = `----palinsesto${randomBytes(12).toString('hex')}`;
  const fields: [string, string][] = [];
  const alt = item.alt.trim();
  if (alt) fields.push(['description', alt.slice(0, MASTODON_DESCRIPTION_LIMIT)]);
  if (item.focus) fields.push(['focus', focusParam(item.focus)]);
  let head = '';
  for (const [name, value] of fields) {
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  const extension = EXTENSIONS[opened.mimeType] ?? 'bin';
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="media.${extension}"\r\nContent-Type: ${opened.mimeType}\r\n\r\n`;
  const headBytes = Buffer.from(head, 'utf8');
  const tailBytes = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  async function* body(): AsyncGenerator<Uint8Array> {
    yield headBytes;
    yield* chunksOf(opened.stream);
    yield tailBytes;
  }
  try {
    const answer = await ctx.http.requestJson(
      {
        platform: 'mastodon',
        method: 'POST',
        url: `${ctx.base}/api/v2/media`,
        headers: {
          authorization: `Bearer ${ctx.accessToken}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(headBytes.length + opened.bytes + tailBytes.length),
        },
        body: body(),
        signal: ctx.signal,
        timeoutMs: ctx.http.uploadTimeoutMs(opened.bytes),
        secrets: [ctx.accessToken],
        addressField: 'instanceUrl',
        // An upload that got no answer is retried by uploading again: at worst an orphan
        // attachment, which the instance removes; never a second status.
        writes: false,
      },
      parseMediaAttachment,
    );
    return { id: answer.body.id, processing: answer.status === 202 };
  } finally {
    opened.stream.destroy();
  }
}

/** 200: ready; 206: still processing; 404: the instance does not know it (any more). */
async function mediaState(
  ctx: MastodonMediaContext,
  id: string,
  what: string,
): Promise<'ready' | 'processing' | 'gone'> {
  try {
    const answer = await ctx.http.request({
      platform: 'mastodon',
      method: 'GET',
      url: `${ctx.base}/api/v1/media/${id}`,
      headers: { authorization: `Bearer ${ctx.accessToken}` },
      signal: ctx.signal,
      secrets: [ctx.accessToken],
      addressField: 'instanceUrl',
    });
    return answer.status === 206 ? 'processing' : 'ready';
  } catch (error) {
    if (error instanceof PublishError && error.status === 404) return 'gone';
    if (error instanceof PublishError && error.kind === 'rejected' && error.status !== undefined) {
      throw error.withKind('rejected', `${error.message} (checking ${what})`);
    }
    throw error;
  }
}

async function waitProcessed(ctx: MastodonMediaContext, id: string, what: string): Promise<void> {
  await pollUntilReady(
    async () => {
      const state = await mediaState(ctx, id, what);
      if (state === 'gone') {
        throw new PublishError('transient', `mastodon: ${what} disappeared while being processed; uploading again.`, {
          platform: 'mastodon',
          status: 404,
        });
      }
      return state === 'ready' ? true : undefined;
    },
    {
      platform: 'mastodon',
      what,
      timeoutMs: ctx.http.media.processingTimeoutMs,
      intervalMs: ctx.http.media.pollIntervalMs,
      signal: ctx.signal,
    },
  );
}
