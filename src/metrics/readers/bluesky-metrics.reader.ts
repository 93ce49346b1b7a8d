import { Injectable } from '@nestjs/common';
import { BlueskyAdapter } from '../../publishing/adapters/bluesky.adapter';
import { asRecord, stringField } from '../../publishing/adapters/json-shape';
import {
  countField,
  type MetricsReader,
  type PlatformCounts,
  type ReadOutcome,
  type ReadTarget,
} from './metrics-reader';

/** app.bsky.feed.getPosts takes at most 25 uris (lexicons/app/bsky/feed/getPosts.json). */
export const BLUESKY_GET_POSTS_MAX = 25;

function parsePosts(body: unknown): Map<string, PlatformCounts> | undefined {
  const posts = asRecord(body)?.['posts'];
  if (!Array.isArray(posts)) return undefined;
  const out = new Map<string, PlatformCounts>();
  for (const item of posts) {
    const view = asRecord(item);
    const uri = stringField(view, 'uri');
    if (!uri) continue;
    out.set(uri, {
      likes: countField(view, 'likeCount'),
      reposts: countField(view, 'repostCount'),
      replies: countField(view, 'replyCount'),
      quotes: countField(view, 'quoteCount'),
    });
  }
  return out;
}

/**
 * Bluesky: `app.bsky.feed.getPosts?uris=...` (at most 25 per call) through the channel's PDS
 * with its session (BlueskyAdapter.query: the same session cache and renewal as publishing;
 * the PDS proxies app.bsky.* to the AppView). Post views carry likeCount, repostCount,
 * replyCount and quoteCount. A post the answer leaves out was deleted (getPosts answers the
 * posts it finds and skips the others, without an error).
 */
@Injectable()
export class BlueskyMetricsReader implements MetricsReader {
  readonly platform = 'bluesky';
  readonly batchSize = BLUESKY_GET_POSTS_MAX;

  constructor(private readonly bluesky: BlueskyAdapter) {}

  async read(
    channelId: string,
    credentials: Record<string, unknown>,
    targets: readonly ReadTarget[],
    signal?: AbortSignal,
  ): Promise<Map<string, ReadOutcome>> {
    if (targets.length > BLUESKY_GET_POSTS_MAX) throw new Error(`getPosts takes at most ${BLUESKY_GET_POSTS_MAX} uris`);
    const params = new URLSearchParams();
    for (const t of targets) params.append('uris', t.externalId);
    const found = await this.bluesky.query(
      channelId,
      credentials,
      'app.bsky.feed.getPosts',
      params,
      parsePosts,
      signal,
    );
    const out = new Map<string, ReadOutcome>();
    for (const t of targets) {
      const counts = found.get(t.externalId);
      out.set(
        t.postId,
        counts
          ? { kind: 'counts', counts }
          : { kind: 'gone', reason: 'bluesky: getPosts did not return the post: it was deleted' },
      );
    }
    return out;
  }
}
