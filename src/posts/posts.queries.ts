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
import { PLANNED_STATUSES } from './post-state.machine';

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
  return { text: TIMELINE_WINDOW_SQL, values: [args.channelId, args.workspaceId, args.from, args.to, PLANNED_STATUSES] };
}

/** The rows of timelineWindowQuery as the rule engine's timeline (the query's order: not sorted). */
export function timelineOf(rows: readonly TimelineRow[]): TimelineEntry[] {
  return rows.map((r) => ({ id: r.id, at: new Date(r.at), category: r.category }));
}
