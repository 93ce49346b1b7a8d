import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ChannelStatus, ChannelUtmConfig, Platform } from '../channels/channel.entity';
import { isMediaRef, type PostMedia, type PostMediaRef, type PostMediaUrl } from './post.entity';
import { moveOf, type PostMove } from './post-state.machine';
import { sqlStatus, sqlStatusIn } from './post-status.sql';

/** A post the dispatcher owns until `leaseUntil`, with what it needs of its channel. */
export interface ClaimedPost {
  id: string;
  workspaceId: string;
  channelId: string;
  body: string;
  title: string | null;
  link: string | null;
  /** Media given as URLs (webhook and mock channels only): the receiver fetches them. */
  media: PostMediaUrl[];
  /**
   * Media of the workspace's library, by id and in order (resolve with MediaService.resolve):
   * an adapter that cannot attach them must refuse, never publish without them.
   */
  mediaRefs: PostMediaRef[];
  category: string;
  scheduledAt: Date;
  /** This attempt's number (1 for the first). */
  attempts: number;
  /** The fencing token: every later write of this attempt names it. */
  attemptId: string;
  /** True when the post was taken over from an instance whose lease expired. */
  reclaimed: boolean;
  platform: Platform;
  channelName: string;
  channelHandle: string;
  channelStatus: ChannelStatus;
  channelVersion: number;
  latenessLimitMinutes: number;
  utm: ChannelUtmConfig | null;
  /** The channel publishes its links as tracked links (src/links/). */
  trackLinks: boolean;
}

export interface PublishedRecord {
  id: string;
  attemptId: string;
  externalId: string;
  externalUrl: string;
  publishedAt: Date;
}

interface ClaimRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  body: string;
  title: string | null;
  link: string | null;
  media: PostMedia[];
  category: string;
  scheduled_at: Date;
  attempts: number;
  attempt_id: string;
  reclaimed: boolean;
  platform: Platform;
  channel_name: string;
  channel_handle: string;
  channel_status: ChannelStatus;
  channel_version: number;
  lateness_limit_minutes: number;
  utm: ChannelUtmConfig | null;
  track_links: boolean;
}

// The dispatcher's moves, as the state machine has them: every state named below comes
// from these (a move whose states change there changes the statements with it).
const CLAIM = moveOf('claim');
const PUBLISH = moveOf('publish');
const RETRY = moveOf('retry');
const RELEASE = moveOf('release');
const FAIL = moveOf('fail');

/** States a claim takes due posts from (scheduled): the claim's `from` but its own `to`. */
const WAITING = CLAIM.from.filter((s) => s !== CLAIM.to);
if (!CLAIM.from.includes(CLAIM.to) || WAITING.length === 0) {
  // The claim takes over expired leases (posts left in its own `to` state by an instance
  // that died) as well as waiting posts: a table without either makes CLAIM_SQL wrong.
  throw new Error(`claim must move posts from ${CLAIM.to} (expired leases) and from a waiting state`);
}

/**
 * One statement claims up to $2 posts: expired leases first (their instance died), then
 * due scheduled posts by time (a retry waits for next_attempt_at). SKIP LOCKED lets any
 * number of instances claim at once without waiting on each other or taking the same row.
 * Every claim gets a fresh attempt_id, the fencing token of the writes that follow. The
 * conditions on status are the partial indexes' (posts_dispatch_lease, posts_dispatch_due).
 */
export const CLAIM_SQL = `
WITH expired AS (
  SELECT id, true AS reclaimed FROM posts
  WHERE ${sqlStatusIn('status', [CLAIM.to])} AND lease_until < $1
  ORDER BY lease_until
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), due AS (
  SELECT id, false AS reclaimed FROM posts
  WHERE ${sqlStatusIn('status', WAITING)} AND scheduled_at <= $1
    AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
  ORDER BY scheduled_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), picked AS (
  SELECT * FROM (SELECT * FROM expired UNION ALL SELECT * FROM due) AS candidates LIMIT $2
)
UPDATE posts p
SET status = ${sqlStatus(CLAIM.to)},
    lease_until = $1::timestamptz + $3::integer * interval '1 millisecond',
    attempts = p.attempts + 1,
    attempt_id = gen_random_uuid(),
    version = p.version + 1,
    updated_at = now()
FROM picked, channels c
WHERE p.id = picked.id AND c.id = p.channel_id
RETURNING p.id, p.workspace_id, p.channel_id, p.body, p.title, p.link, p.media, p.category,
  p.scheduled_at, p.attempts, p.attempt_id, picked.reclaimed,
  c.platform, c.name AS channel_name, c.handle AS channel_handle, c.status AS channel_status,
  c.version AS channel_version, c.lateness_limit_minutes, c.utm, c.track_links`;

/** Records publications given as arrays (id, attempt_id, external_id, external_url, published_at). */
export const PUBLISHED_SQL = `
UPDATE posts p
SET status = ${sqlStatus(PUBLISH.to)}, published_at = v.published_at, external_id = v.external_id,
    external_url = v.external_url, lease_until = NULL, next_attempt_at = NULL,
    last_error = NULL, failure_reason = NULL, version = p.version + 1, updated_at = now()
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
  AS v(id, attempt_id, external_id, external_url, published_at)
WHERE p.id = v.id AND p.attempt_id = v.attempt_id AND ${sqlStatusIn('p.status', PUBLISH.from)}
RETURNING p.id`;

/**
 * Fenced: only the attempt that holds the post (same attempt_id, still in a state the move
 * starts from) may write; the move sets its state.
 */
function fenced(move: PostMove, set: string): string {
  return `UPDATE posts SET status = ${sqlStatus(move.to)}, ${set}, version = version + 1, updated_at = now()
       WHERE id = $1 AND attempt_id = $2 AND ${sqlStatusIn('status', move.from)} RETURNING id`;
}

const RETRY_SQL = fenced(RETRY, 'lease_until = NULL, next_attempt_at = $3, last_error = $4');
const RELEASE_SQL = fenced(RELEASE, 'lease_until = NULL, next_attempt_at = $3, attempts = GREATEST(attempts - 1, 0)');
const FAILED_SQL = fenced(FAIL, 'lease_until = NULL, next_attempt_at = NULL, failure_reason = $3, last_error = $4');

/**
 * Renews the leases of attempts still in progress, given as arrays (id, attempt_id): fenced
 * like every write of an attempt, so a post whose lease already passed to a newer attempt (or
 * whose outcome was written) is not touched and not returned. It sets only lease_until: a
 * renewal is not a change of the post (no version bump; the plan revision trigger skips rows
 * changed only in lease_until: migration LeaseRenewals1795400150000).
 */
const RENEW_SQL = `
UPDATE posts p
SET lease_until = $3::timestamptz + $4::integer * interval '1 millisecond'
FROM unnest($1::uuid[], $2::uuid[]) AS v(id, attempt_id)
WHERE p.id = v.id AND p.attempt_id = v.attempt_id AND ${sqlStatusIn('p.status', [CLAIM.to])}
RETURNING p.attempt_id`;

/** The earliest first-time due time in ($1, $2]: posts the claim will take when they are due. */
const NEXT_DUE_SQL = `SELECT scheduled_at FROM posts WHERE ${sqlStatusIn('status', WAITING)} AND scheduled_at > $1 AND scheduled_at <= $2
       ORDER BY scheduled_at LIMIT 1`;

/**
 * All SQL of the publishing dispatcher (src/publishing/publish.dispatcher.ts) on posts: the
 * posts module owns every statement on its table, the dispatcher decides when to run them.
 * "Now" is always a parameter from the Clock, never the database's now(), so tests move
 * time and the SQL follows.
 */
@Injectable()
export class PostDispatchRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<ClaimedPost[]> {
    if (limit <= 0) return [];
    const rows = await this.rows<ClaimRow>(this.ds.manager, CLAIM_SQL, [now, limit, Math.round(leaseMs)]);
    return rows.map((r) => ({
      id: r.id,
      workspaceId: r.workspace_id,
      channelId: r.channel_id,
      body: r.body,
      title: r.title,
      link: r.link,
      media: r.media.filter((m): m is PostMediaUrl => !isMediaRef(m)),
      mediaRefs: r.media.filter(isMediaRef),
      category: r.category,
      scheduledAt: r.scheduled_at,
      attempts: r.attempts,
      attemptId: r.attempt_id,
      reclaimed: r.reclaimed,
      platform: r.platform,
      channelName: r.channel_name,
      channelHandle: r.channel_handle,
      channelStatus: r.channel_status,
      channelVersion: r.channel_version,
      latenessLimitMinutes: r.lateness_limit_minutes,
      utm: r.utm,
      trackLinks: r.track_links,
    }));
  }

  /** The earliest first-time due time in (now, horizon], to wake up for it; null if none. */
  async nextDueAt(now: Date, horizon: Date): Promise<Date | null> {
    const rows = await this.rows<{ scheduled_at: Date }>(this.ds.manager, NEXT_DUE_SQL, [now, horizon]);
    return rows[0]?.scheduled_at ?? null;
  }

  /**
   * Records publications, many in one statement (the dispatcher group-commits them).
   * Returns the ids actually written; a missing id lost its claim to a newer attempt.
   */
  async markPublished(records: readonly PublishedRecord[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const rows = await this.rows<{ id: string }>(this.ds.manager, PUBLISHED_SQL, [
      records.map((r) => r.id),
      records.map((r) => r.attemptId),
      records.map((r) => r.externalId),
      records.map((r) => r.externalUrl),
      records.map((r) => r.publishedAt.toISOString()),
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /**
   * The lease heartbeat: extends each given attempt's lease to now + leaseMs, in one
   * statement. Returns the attempt ids renewed; an attempt missing from it has lost its post.
   */
  async renewLeases(
    attempts: readonly { id: string; attemptId: string }[],
    now: Date,
    leaseMs: number,
  ): Promise<Set<string>> {
    if (attempts.length === 0) return new Set();
    const rows = await this.rows<{ attempt_id: string }>(this.ds.manager, RENEW_SQL, [
      attempts.map((a) => a.id),
      attempts.map((a) => a.attemptId),
      now,
      Math.round(leaseMs),
    ]);
    return new Set(rows.map((r) => r.attempt_id));
  }

  /** Back to `scheduled` until `at`, keeping the error for people to see. */
  async scheduleRetry(id: string, attemptId: string, at: Date, lastError: string): Promise<boolean> {
    return this.affected(this.ds.manager, RETRY_SQL, [id, attemptId, at, lastError]);
  }

  /**
   * Hands a claimed post back without counting the attempt (it never reached the
   * platform: its channel is rate limited, or the instance is shutting down).
   */
  async release(id: string, attemptId: string, at: Date): Promise<boolean> {
    return this.affected(this.ds.manager, RELEASE_SQL, [id, attemptId, at]);
  }

  /** Failed for good, with the reason's code (publishing's FailureReason) and the error people see. */
  async markFailed(
    m: EntityManager,
    id: string,
    attemptId: string,
    reason: string,
    lastError: string,
  ): Promise<boolean> {
    return this.affected(m, FAILED_SQL, [id, attemptId, reason, lastError]);
  }

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  /** PostgreSQL's clock, to compare with ours at start. */
  async databaseNow(): Promise<Date> {
    const rows = await this.rows<{ now: Date }>(this.ds.manager, 'SELECT clock_timestamp() AS now', []);
    return rows[0].now;
  }

  private async affected(m: EntityManager, sql: string, params: unknown[]): Promise<boolean> {
    return (await this.rows(m, sql, params)).length > 0;
  }

  /** Rows of a query; TypeORM answers UPDATE ... RETURNING as [rows, count]. */
  private async rows<T>(m: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
    const result: unknown = await m.query(sql, params);
    if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
      return result[0] as T[];
    }
    return result as T[];
  }
}
