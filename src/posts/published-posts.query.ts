import type { EntityManager } from 'typeorm';
import type { PostStatus } from './post-state.machine';

/** A published post as the metrics collection needs it: where it is and since when. */
export interface PublishedPostRef {
  id: string;
  workspaceId: string;
  channelId: string;
  /** Its channel's platform. */
  platform: string;
  externalId: string;
  publishedAt: Date;
}

interface Row {
  id: string;
  workspace_id: string;
  channel_id: string;
  platform: string;
  external_id: string;
  published_at: Date;
}

const PUBLISHED: PostStatus = 'published';
const COLUMNS = `p.id, p.workspace_id, p.channel_id, c.platform, p.external_id, p.published_at`;

function refOf(r: Row): PublishedPostRef {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    channelId: r.channel_id,
    platform: r.platform,
    externalId: r.external_id,
    publishedAt: new Date(r.published_at),
  };
}

/**
 * Published posts with published_at in [from, to), after the (publishedAt, id) cursor, in that
 * order, at most `limit`: the metrics sweep pages through them to schedule any post whose
 * `post.published` event was lost.
 */
export async function publishedPostsBetween(
  m: EntityManager,
  from: Date,
  to: Date,
  after: { publishedAt: Date; id: string } | null,
  limit: number,
): Promise<PublishedPostRef[]> {
  const rows = (await m.query(
    `SELECT ${COLUMNS} FROM posts p JOIN channels c ON c.id = p.channel_id
      WHERE p.status = $1 AND p.external_id IS NOT NULL AND p.published_at >= $2 AND p.published_at < $3
        AND ($4::timestamptz IS NULL OR (p.published_at, p.id) > ($4::timestamptz, $5::uuid))
      ORDER BY p.published_at, p.id
      LIMIT $6`,
    [PUBLISHED, from, to, after?.publishedAt ?? null, after?.id ?? null, limit],
  )) as Row[];
  return rows.map(refOf);
}

/**
 * The published post of a channel, by its id or by its platform id (the webhook platform's
 * receiver names its posts by the externalId it answered), or null.
 */
export async function publishedPostOfChannel(
  m: EntityManager,
  channelId: string,
  ref: { postId: string } | { externalId: string },
): Promise<PublishedPostRef | null> {
  const byId = 'postId' in ref;
  const rows = (await m.query(
    `SELECT ${COLUMNS} FROM posts p JOIN channels c ON c.id = p.channel_id
      WHERE p.channel_id = $1 AND ${byId ? 'p.id = $2::uuid' : 'p.external_id = $2'} AND p.status = $3
        AND p.external_id IS NOT NULL
      ORDER BY p.published_at DESC LIMIT 1`,
    [channelId, byId ? ref.postId : ref.externalId, PUBLISHED],
  )) as Row[];
  return rows[0] ? refOf(rows[0]) : null;
}
