import type { EntityManager } from 'typeorm';
import type { PostStatus } from './post-state.machine';

/** A post the dispatcher gave up on, with what its failure said. */
export interface FailedPost {
  id: string;
  workspaceId: string;
  channelId: string;
  scheduledAt: Date;
  /** Why it failed (`missed`, `rejected`, ...: the dispatcher's FailureReason). */
  reason: string;
  lastError: string;
  attempts: number;
  /** When its row last changed: when it failed, unless it was written since. */
  updatedAt: Date;
}

interface FailedPostRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  scheduled_at: Date;
  failure_reason: string | null;
  last_error: string | null;
  attempts: number;
  updated_at: Date;
}

const FAILED: PostStatus = 'failed';

/**
 * Failed posts other than those at the given (channel, scheduled time) pairs, oldest
 * failure first, at most `limit`: one statement, whatever the number of pairs. The alerts
 * module passes the posts its open publish_failed alerts cover and gets those that have
 * none (its backstop for a `post.publish_failed` event that was never delivered).
 */
export async function failedPostsBesides(
  m: EntityManager,
  known: readonly { channelId: string; scheduledAt: Date }[],
  limit: number,
): Promise<FailedPost[]> {
  const rows = (await m.query(
    `SELECT p.id, p.workspace_id, p.channel_id, p.scheduled_at, p.failure_reason, p.last_error, p.attempts, p.updated_at
       FROM posts p
      WHERE p.status = $1 AND p.scheduled_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM unnest($2::uuid[], $3::timestamptz[]) AS k(channel_id, scheduled_at)
                         WHERE k.channel_id = p.channel_id AND k.scheduled_at = p.scheduled_at)
      ORDER BY p.updated_at, p.id
      LIMIT $4`,
    [FAILED, known.map((k) => k.channelId), known.map((k) => k.scheduledAt.toISOString()), limit],
  )) as FailedPostRow[];
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    channelId: r.channel_id,
    scheduledAt: new Date(r.scheduled_at),
    reason: r.failure_reason ?? 'unknown',
    lastError: r.last_error ?? '',
    attempts: r.attempts,
    updatedAt: new Date(r.updated_at),
  }));
}
