import { Injectable } from '@nestjs/common';
import { optionalString, requireHttpUrl } from './channel-credentials';
import { PublishHttpClient } from './http-client';
import { asRecord, httpUrlField, idField } from './json-shape';
import {
  PlatformAdapter,
  type PublishablePost,
  type PublishOutcome,
  type PublishTarget,
  isLibraryMedia,
} from './platform-adapter';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhookBody } from './webhook-signature';

/**
 * One media item as a webhook receives it: a library file with its signed, expiring `url`
 * and what is known of it, or a legacy URL entry (`url` and `alt` only).
 */
export interface WebhookMedia {
  url: string;
  alt?: string;
  id?: string;
  kind?: 'image' | 'video';
  mimeType?: string;
  bytes?: number;
  sha256?: string;
  width?: number;
  height?: number;
  durationMs?: number;
  focus?: { x: number; y: number };
}

/** The JSON body a webhook receives. */
export interface WebhookPayload {
  id: string;
  channel: { id: string; name: string; handle: string };
  body: string;
  title: string | null;
  link: string | null;
  media: WebhookMedia[] | null;
  category: string;
  scheduledAt: string;
}

export function webhookPayload(post: PublishablePost, target: PublishTarget): WebhookPayload {
  return {
    id: post.id,
    channel: { id: target.channelId, name: target.name, handle: target.handle },
    body: post.body,
    title: post.title ?? null,
    link: post.link ?? null,
    media: webhookMedia(post),
    category: post.category,
    scheduledAt: post.scheduledAt.toISOString(),
  };
}

/** Library files first-class, URL entries as given; null when the post has no media field at all. */
export function webhookMedia(post: PublishablePost): WebhookMedia[] | null {
  if (!post.media && !post.mediaUrls) return null;
  const out: WebhookMedia[] = [];
  for (const item of post.media ?? []) {
    if (!isLibraryMedia(item)) {
      out.push({ url: item.url, ...(item.alt ? { alt: item.alt } : {}) });
      continue;
    }
    out.push({
      url: item.url,
      alt: item.alt,
      id: item.id,
      kind: item.kind,
      mimeType: item.mimeType,
      bytes: item.bytes,
      sha256: item.sha256,
      ...(item.width !== undefined ? { width: item.width } : {}),
      ...(item.height !== undefined ? { height: item.height } : {}),
      ...(item.durationMs !== undefined ? { durationMs: item.durationMs } : {}),
      ...(item.focus ? { focus: { x: item.focus.x, y: item.focus.y } } : {}),
    });
  }
  for (const item of post.mediaUrls ?? []) out.push({ url: item.url, ...(item.alt ? { alt: item.alt } : {}) });
  return out;
}

/** The webhook URL as shown to people: no credentials, query string or fragment. */
export function publicWebhookUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * POSTs the post as JSON. The delivery id (the idempotency key) lets the receiver drop a
 * repeated delivery; with a secret, the body bytes are signed with HMAC-SHA256.
 * Any 2xx is success; an `id` and `url` in a JSON answer become externalId/externalUrl.
 */
@Injectable()
export class WebhookAdapter extends PlatformAdapter {
  readonly platform = 'webhook' as const;

  constructor(private readonly http: PublishHttpClient) {
    super();
  }

  async publish(
    post: PublishablePost,
    target: PublishTarget,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<PublishOutcome> {
    const url = requireHttpUrl(target.credentials, 'url', 'webhook');
    const secret = optionalString(target.credentials, 'secret', 'webhook');
    const body = Buffer.from(JSON.stringify(webhookPayload(post, target)), 'utf8');

    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [DELIVERY_HEADER]: idempotencyKey,
    };
    if (secret) headers[SIGNATURE_HEADER] = signWebhookBody(body, secret);

    const answer = await this.http.request({
      platform: 'webhook',
      method: 'POST',
      url,
      headers,
      body,
      signal,
      addressField: 'url',
      secrets: [secret, url.username, url.password, url.search.slice(1), ...url.searchParams.values(), url.pathname],
    });

    let response: Record<string, unknown> | undefined;
    try {
      response = asRecord(answer.text ? (JSON.parse(answer.text) as unknown) : undefined);
    } catch {
      response = undefined; // any 2xx is success, whatever its body
    }
    return {
      externalId: idField(response, 'id') ?? idempotencyKey,
      externalUrl: httpUrlField(response, 'url') ?? publicWebhookUrl(url),
    };
  }
}
