import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ChannelStatus, ChannelUtmConfig } from '../channels/channel.entity';
import type { PostMedia } from '../posts/post.entity';
import type { Platform } from './adapters/platform-adapter';
import type { FailureReason } from './retry-policy';

/** A post the dispatcher owns until `leaseUntil`, with what it needs of its channel. */
export interface ClaimedPost {
  id: string;
  workspaceId: string;
  channelId: string;
  body: string;
  title: string | null;
  link: string | null;
  media: PostMedia[];
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
}

/**
 * One statement claims up to $2 posts: expired leases first (their instance died), then
 * due scheduled posts by time (a retry waits for next_attempt_at). SKIP LOCKED lets any
 * number of instances claim at once without waiting on each other or taking the same row.
 * Every claim gets a fresh attempt_id, the fencing token of the writes that follow.
 */
export const CLAIM_SQL = `
WITH expired AS (
  SELECT id, true AS reclaimed FROM posts
  WHERE status = 'publishing' AND lease_until < $1
  ORDER BY lease_until
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), due AS (
  SELECT id, false AS reclaimed FROM posts
  WHERE status = 'scheduled' AND scheduled_at <= $1
    AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
  ORDER BY scheduled_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
), picked AS (
  SELECT * FROM (SELECT * FROM expired UNION ALL SELECT * FROM due) AS candidates LIMIT $2
)
UPDATE posts p
SET status = 'publishing',
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
  c.version AS channel_version, c.lateness_limit_minutes, c.utm`;

/** Records publications given as arrays (id, attempt_id, external_id, external_url, published_at). */
export const PUBLISHED_SQL = `
UPDATE posts p
SET status = 'published', published_at = v.published_at, external_id = v.external_id,
    external_url = v.external_url, lease_until = NULL, next_attempt_at = NULL,
    last_error = NULL, failure_reason = NULL, version = p.version + 1, updated_at = now()
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
  AS v(id, attempt_id, external_id, external_url, published_at)
WHERE p.id = v.id AND p.attempt_id = v.attempt_id AND p.status = 'publishing'
RETURNING p.id`;

/** Fenced: only the attempt that holds the post (same attempt_id, still publishing) may write. */
const FENCE = `id = $1 AND attempt_id = $2 AND status = 'publishing'`;

/**
 * All SQL of the dispatcher. "Now" is always a parameter from the Clock, never the
 * database's now(), so tests move time and the SQL follows.
 */
@Injectable()
export class PublishingRepository {
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
      media: r.media,
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
    }));
  }

  /** The earliest first-time due time in (now, horizon], to wake up for it; null if none. */
  async nextDueAt(now: Date, horizon: Date): Promise<Date | null> {
    const rows = await this.rows<{ scheduled_at: Date }>(
      this.ds.manager,
      `SELECT scheduled_at FROM posts WHERE status = 'scheduled' AND scheduled_at > $1 AND scheduled_at <= $2
       ORDER BY scheduled_at LIMIT 1`,
      [now, horizon],
    );
    return rows[0]?.scheduled_at ?? null;
  }

  /**
   * Records publications, many in one statement (the dispatcher group-commits them).
   * Returns the ids actually written; a missing id lost its claim to a newer attempt.
   */
  async markPublished(records: readonly PublishedRecord[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const rows = await this.rows<{ id: string }>(
      this.ds.manager,
      PUBLISHED_SQL,
      [
        records.map((r) => r.id),
        records.map((r) => r.attemptId),
        records.map((r) => r.externalId),
        records.map((r) => r.externalUrl),
        records.map((r) => r.publishedAt.toISOString()),
      ],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Back to `scheduled` until `at`, keeping the error for people to see. */
  async scheduleRetry(id: string, attemptId: string, at: Date, lastError: string): Promise<boolean> {
    return this.affected(
      this.ds.manager,
      `UPDATE posts SET status = 'scheduled', lease_until = NULL, next_attempt_at = $3, last_error = $4,
         version = version + 1, updated_at = now()
       WHERE ${FENCE} RETURNING id`,
      [id, attemptId, at, lastError],
    );
  }

  /**
   * Hands a claimed post back without counting the attempt (it never reached the
   * platform: its channel is rate limited, or the instance is shutting down).
   */
  async release(id: string, attemptId: string, at: Date): Promise<boolean> {
    return this.affected(
      this.ds.manager,
      `UPDATE posts SET status = 'scheduled', lease_until = NULL, next_attempt_at = $3,
         attempts = GREATEST(attempts - 1, 0), version = version + 1, updated_at = now()
       WHERE ${FENCE} RETURNING id`,
      [id, attemptId, at],
    );
  }

  async markFailed(m: EntityManager, id: string, attemptId: string, reason: FailureReason, lastError: string): Promise<boolean> {
    return this.affected(
      m,
      `UPDATE posts SET status = 'failed', lease_until = NULL, next_attempt_at = NULL, failure_reason = $3,
         last_error = $4, version = version + 1, updated_at = now()
       WHERE ${FENCE} RETURNING id`,
      [id, attemptId, reason, lastError],
    );
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
