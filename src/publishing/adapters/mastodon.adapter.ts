import { Injectable } from '@nestjs/common';
import { composeText } from '../../content/compose-text';
import { baseUrl, requireHttpUrl, requireString } from './channel-credentials';
import { PublishHttpClient } from './http-client';
import { asRecord, stringField } from './json-shape';
import { PlatformAdapter, type PublishablePost, type PublishOutcome, type PublishTarget } from './platform-adapter';

interface MastodonStatus {
  id: string;
  url: string;
}

/** The part of Mastodon's Status entity we need; `url` may be null, then `uri` is used. */
export function parseMastodonStatus(body: unknown): MastodonStatus | undefined {
  const record = asRecord(body);
  const id = stringField(record, 'id');
  const url = stringField(record, 'url') ?? stringField(record, 'uri');
  return id && url ? { id, url } : undefined;
}

/**
 * Posts a public status with `POST /api/v1/statuses`. Mastodon keeps the Idempotency-Key
 * for an hour and answers a repeated key with the status it already created, so a retry
 * after an unknown outcome does not post twice.
 */
@Injectable()
export class MastodonAdapter extends PlatformAdapter {
  readonly platform = 'mastodon' as const;

  constructor(private readonly http: PublishHttpClient) {
    super();
  }

  async publish(
    post: PublishablePost,
    target: PublishTarget,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<PublishOutcome> {
    const instance = requireHttpUrl(target.credentials, 'instanceUrl', 'mastodon');
    const accessToken = requireString(target.credentials, 'accessToken', 'mastodon');

    const { body } = await this.http.requestJson(
      {
        platform: 'mastodon',
        method: 'POST',
        url: `${baseUrl(instance)}/api/v1/statuses`,
        headers: { authorization: `Bearer ${accessToken}`, 'idempotency-key': idempotencyKey },
        json: { status: composeText(post), visibility: 'public' },
        signal,
        secrets: [accessToken],
      },
      parseMastodonStatus,
    );
    return { externalId: body.id, externalUrl: body.url };
  }
}
