/**
 * The posts module's SQL that also runs outside Nest: PostsRepository sends it through
 * TypeORM, the feed render worker (src/feeds/feed-render.job.ts, a worker thread with its
 * own `pg` connection) sends it as is. Each query is defined here once, with its
 * parameters and its row mapping, so both read exactly the same thing.
 *
 * Dependency-free on purpose (post-state.machine and types only): the render worker loads
 * this file, and must never pull in Nest or TypeORM.
 */
import type { TimelineEntry } from '../rules';
import { PLANNED_STATUSES, type PostStatus } from './post-state.machine';

/** A query as both drivers take it: `query(text, values)`. */
export interface PostsQuery {
  text: string;
  values: unknown[];
}

/** Row of the timeline window query. */
export interface TimelineRow {
  id: string;
  at: Date;
  category: string;
}

/** Which channel's plan, and over which [from, to). */
export interface TimelineWindowArgs {
  channelId: string;
  /** The channel's workspace: the plan is bounded by it as well as by the channel. */
  workspaceId: string;
  from: Date;
  to: Date;
}

/**
 * The channel's plan (scheduled, publishing, published) in [from, to), plus the nearest
 * planned post before `from` and the nearest at or after `to`: the window the rule engine
 * needs. Served by the (channel_id, scheduled_at) index, so its cost does not grow with the
 * channel's history.
 */
export const TIMELINE_WINDOW_SQL = `
  (SELECT id, scheduled_at AS at, category FROM posts
    WHERE channel_id = $1 AND workspace_id = $2 AND status = ANY ($5) AND scheduled_at < $3
    ORDER BY scheduled_at DESC LIMIT 1)
  UNION ALL
  (SELECT id, scheduled_at, category FROM posts
    WHERE channel_id = $1 AND workspace_id = $2 AND status = ANY ($5) AND scheduled_at >= $3 AND scheduled_at < $4)
  UNION ALL
  (SELECT id, scheduled_at, category FROM posts
    WHERE channel_id = $1 AND workspace_id = $2 AND status = ANY ($5) AND scheduled_at >= $4
    ORDER BY scheduled_at LIMIT 1)`;

export function timelineWindowQuery(args: TimelineWindowArgs): PostsQuery {
  return {
    text: TIMELINE_WINDOW_SQL,
    values: [args.channelId, args.workspaceId, args.from, args.to, PLANNED_STATUSES],
  };
}

/** The rows of timelineWindowQuery as the rule engine's timeline (the query's order: not sorted). */
export function timelineOf(rows: readonly TimelineRow[]): TimelineEntry[] {
  return rows.map((r) => ({ id: r.id, at: new Date(r.at), category: r.category }));
}

// ---- posts in a scope (what a feed shows) and their fingerprint ---------------------

/** Posts of these channels of the workspace, dated in [from, to), in these states. */
export interface PostsScope {
  workspaceId: string;
  channelIds: string[];
  from: Date;
  to: Date;
  statuses: readonly PostStatus[];
}

/**
 * The scope as a condition on posts `p`, over the parameters of scopeValues: the rows and
 * the fingerprint below are bounded by this one text, so they always count the same posts.
 * Bounded by the workspace as well as by the channels; served by (channel_id, scheduled_at).
 */
const IN_SCOPE = `p.channel_id = ANY ($1::uuid[]) AND p.workspace_id = $2
     AND p.scheduled_at >= $3 AND p.scheduled_at < $4 AND p.status = ANY ($5::text[])`;

function scopeValues(scope: PostsScope): unknown[] {
  return [scope.channelIds, scope.workspaceId, scope.from, scope.to, scope.statuses];
}

/** Row of postsInScopeQuery: only the columns a feed shows, and the category's name. */
export interface PostInScopeRow {
  id: string;
  channel_id: string;
  status: PostStatus;
  body: string;
  title: string | null;
  link: string | null;
  category: string;
  category_name: string | null;
  scheduled_at: Date;
  sequence: number;
  version: number;
  created_at: Date;
  updated_at: Date;
  external_url: string | null;
}

/** The posts in scope, by time then id (what the feed render worker renders). */
export function postsInScopeQuery(scope: PostsScope): PostsQuery {
  return {
    text: `
  SELECT p.id, p.channel_id, p.status, p.body, p.title, p.link, p.category, cat.name AS category_name,
         p.scheduled_at, p.sequence, p.version, p.created_at, p.updated_at, p.external_url
    FROM posts p
    LEFT JOIN categories cat ON cat.workspace_id = p.workspace_id AND cat.key = p.category
   WHERE ${IN_SCOPE}
   ORDER BY p.scheduled_at, p.id`,
    values: scopeValues(scope),
  };
}

/**
 * What changes whenever a post in a scope is added, removed or written (every write bumps
 * its version and updated_at): the count, the newest updated_at (ms) and the sum of the
 * versions. Feeds answer 304 by comparing it, computed in SQL (postsFingerprintQuery, no
 * rows read out) with the one the render computed over the rows it rendered
 * (fingerprintOf): the two must agree, so both are defined here, side by side, over the
 * same IN_SCOPE.
 */
export interface PostsFingerprint {
  count: number;
  newest: number;
  versions: number;
}

export const EMPTY_FINGERPRINT: PostsFingerprint = Object.freeze({ count: 0, newest: 0, versions: 0 });

/** The fingerprint of the scope as one aggregate (one index range scan); its row goes through fingerprintOfAggregate. */
export function postsFingerprintQuery(scope: PostsScope): PostsQuery {
  return {
    text: `SELECT count(*)::int AS count, max(p.updated_at) AS newest, coalesce(sum(p.version), 0)::bigint AS versions
         FROM posts p
        WHERE ${IN_SCOPE}`,
    values: scopeValues(scope),
  };
}

export function fingerprintOfAggregate(row: {
  count: number;
  newest: Date | null;
  versions: string | number;
}): PostsFingerprint {
  return { count: row.count, newest: row.newest ? new Date(row.newest).getTime() : 0, versions: Number(row.versions) };
}

/** The same fingerprint over rows read by postsInScopeQuery. */
export function fingerprintOf(rows: readonly Pick<PostInScopeRow, 'updated_at' | 'version'>[]): PostsFingerprint {
  let newest = 0;
  let versions = 0;
  for (const r of rows) {
    const t = r.updated_at.getTime();
    if (t > newest) newest = t;
    versions += r.version;
  }
  return { count: rows.length, newest, versions };
}
