import { Injectable } from '@nestjs/common';
import { composeText } from '../../content/compose-text';
import { baseUrl, requireHttpUrl, requireString } from './channel-credentials';
import { PublishHttpClient } from './http-client';
import { asRecord, httpUrlField, idField, stringField } from './json-shape';
import { uploadMastodonMedia } from './mastodon-media';
import { InMemoryMediaUploadLedger } from './media-upload-ledger';
import {
  type MediaUploadLedger,
  PlatformAdapter,
  type PublishablePost,
  type PublishOutcome,
  type PublishTarget,
  splitMedia,
} from './platform-adapter';
import { PublishError } from './publish-error';

interface MastodonStatus {
  id: string;
  /** The status's page: `url`, else `uri`, when it is an http(s) URL. */
  url?: string;
  /** The author's username, when it is one (`[A-Za-z0-9_]+`). */
  username?: string;
}

/**
 * The part of Mastodon's Status entity we need. `url` may be null (then `uri` is used) and is
 * remote text like the rest: only an http(s) URL is taken (see statusUrl).
 */
export function parseMastodonStatus(body: unknown): MastodonStatus | undefined {
  const record = asRecord(body);
  const id = idField(record, 'id');
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) return undefined;
  const username = stringField(asRecord(record?.['account']), 'username');
  return {
    id,
    url: httpUrlField(record, 'url') ?? httpUrlField(record, 'uri'),
    username: username && /^[A-Za-z0-9_]{1,64}$/.test(username) ? username : undefined,
  };
}

/**
 * Where the published status can be seen. The instance's `url` when it is http(s); an
 * instance that answers another scheme (`javascript:...`) still posted the status, so instead
 * of failing a published post the link is built from the instance and the status: its web
 * page `/@username/id`, or without a username the status's API resource.
 */
export function statusUrl(instance: URL, status: MastodonStatus): string {
  if (status.url) return status.url;
  const base = baseUrl(instance);
  return status.username ? `${base}/@${status.username}/${status.id}` : `${base}/api/v1/statuses/${status.id}`;
}

/**
 * Posts a public status with `POST /api/v1/statuses`. Mastodon keeps the Idempotency-Key
 * for an hour and answers a repeated key with the status it already created, so a retry
 * after an unknown outcome does not post twice.
 *
 * Media first (mastodon-media.ts): each file with `POST /api/v2/media` (description, focus),
 * a 202 polled with `GET /api/v1/media/:id` until 200 within the processing wait, each id
 * recorded in the ledger and reused on a retry; then the status with `media_ids` in order.
 * URL media (not in the library) is refused: a post is never published without its media.
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
    ledger: MediaUploadLedger = new InMemoryMediaUploadLedger(),
  ): Promise<PublishOutcome> {
    const instance = requireHttpUrl(target.credentials, 'instanceUrl', 'mastodon');
    const accessToken = requireString(target.credentials, 'accessToken', 'mastodon');
    const { files, urls } = splitMedia(post);
    if (urls.length > 0) {
      throw new PublishError(
        'rejected',
        `The post has ${urls.length} media given by URL; Mastodon publishes media from the library only: add the files to the media library and attach them to the post.`,
        { platform: 'mastodon' },
      );
    }
    const ctx = { http: this.http, base: baseUrl(instance), accessToken, signal };
    const media = files.length > 0 ? await uploadMastodonMedia(ctx, files, ledger) : { ids: [], reused: false };
    let body: MastodonStatus;
    try {
      body = await this.postStatus(instance, accessToken, idempotencyKey, composeText(post), media.ids, signal);
    } catch (error) {
      // Ids reused from an earlier attempt may be gone or still processing: check them, then once more.
      if (!(error instanceof PublishError && error.status === 422 && media.reused)) throw error;
      const checked = await uploadMastodonMedia(ctx, files, ledger, true);
      body = await this.postStatus(instance, accessToken, idempotencyKey, composeText(post), checked.ids, signal);
    }
    return { externalId: body.id, externalUrl: statusUrl(instance, body) };
  }

  private async postStatus(
    instance: URL,
    accessToken: string,
    idempotencyKey: string,
    status: string,
    mediaIds: string[],
    signal?: AbortSignal,
  ): Promise<MastodonStatus> {
    const { body } = await this.http.requestJson(
      {
        platform: 'mastodon',
        method: 'POST',
        url: `${baseUrl(instance)}/api/v1/statuses`,
        headers: { authorization: `Bearer ${accessToken}`, 'idempotency-key': idempotencyKey },
        json: {
          status,
          visibility: 'public',
          ...(mediaIds.length > 0 ? { media_ids: mediaIds } : {}),
        },
        signal,
        secrets: [accessToken],
        addressField: 'instanceUrl',
      },
      parseMastodonStatus,
    );
    return body;
  }
}
