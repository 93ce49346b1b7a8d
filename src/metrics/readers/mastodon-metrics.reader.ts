import { Injectable } from '@nestjs/common';
import { baseUrl, requireHttpUrl, requireString } from '../../publishing/adapters/channel-credentials';
import { PublishHttpClient } from '../../publishing/adapters/http-client';
import { asRecord } from '../../publishing/adapters/json-shape';
import { PublishError } from '../../publishing/adapters/publish-error';
import { countField, type MetricsReader, type ReadOutcome, type ReadTarget } from './metrics-reader';

/**
 * Mastodon: `GET /api/v1/statuses/:id` with the channel's token, one status per request
 * (the API has no batch read of statuses by id that returns counts for one's own posts
 * reliably). The Status entity's `favourites_count`, `reblogs_count`, `replies_count`, and
 * `quotes_count` where the instance has quote posts (Mastodon 4.5+; null elsewhere). A 404
 * or 410 means the status was deleted.
 */
@Injectable()
export class MastodonMetricsReader implements MetricsReader {
  readonly platform = 'mastodon';
  readonly batchSize = 1;

  constructor(private readonly http: PublishHttpClient) {}

  async read(
    _channelId: string,
    credentials: Record<string, unknown>,
    targets: readonly ReadTarget[],
    signal?: AbortSignal,
  ): Promise<Map<string, ReadOutcome>> {
    const instance = baseUrl(requireHttpUrl(credentials, 'instanceUrl', 'mastodon'));
    const accessToken = requireString(credentials, 'accessToken', 'mastodon');
    const out = new Map<string, ReadOutcome>();
    for (const target of targets) {
      try {
        const { body } = await this.http.requestJson(
          {
            platform: 'mastodon',
            method: 'GET',
            url: `${instance}/api/v1/statuses/${encodeURIComponent(target.externalId)}`,
            headers: { authorization: `Bearer ${accessToken}` },
            secrets: [accessToken],
            addressField: 'instanceUrl',
            signal,
          },
          asRecord,
        );
        out.set(target.postId, {
          kind: 'counts',
          counts: {
            likes: countField(body, 'favourites_count'),
            reposts: countField(body, 'reblogs_count'),
            replies: countField(body, 'replies_count'),
            quotes: countField(body, 'quotes_count'),
          },
        });
      } catch (error) {
        if (error instanceof PublishError && (error.status === 404 || error.status === 410)) {
          out.set(target.postId, { kind: 'gone', reason: `mastodon answered ${error.status}: the status was deleted` });
          continue;
        }
        throw error;
      }
    }
    return out;
  }
}
