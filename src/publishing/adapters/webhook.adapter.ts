import { Injectable } from '@nestjs/common';
import { optionalString, requireHttpUrl } from './channel-credentials';
import { PublishHttpClient } from './http-client';
import { asRecord, httpUrlField, idField } from './json-shape';
import { PlatformAdapter, type PublishablePost, type PublishOutcome, type PublishTarget } from './platform-adapter';
import { DELIVERY_HEADER, SIGNATURE_HEADER, signWebhookBody } from './webhook-signature';

/** The JSON body a webhook receives. */
export interface WebhookPayload {
  id: string;
  channel: { id: string; name: string; handle: string };
  body: string;
  title: string | null;
  link: string | null;
  media: { url: string; alt?: string }[] | null;
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
    media: post.media ?? null,
    category: post.category,
    scheduledAt: post.scheduledAt.toISOString(),
  };
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
