import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { MetricSnapshot, SnapshotSource } from './metric-snapshot';

interface SnapshotRow {
  post_id: string;
  at: Date;
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  quotes: number | null;
  clicks: number | null;
}

function snapshotOf(r: SnapshotRow): MetricSnapshot {
  return {
    at: new Date(r.at),
    likes: r.likes,
    reposts: r.reposts,
    replies: r.replies,
    quotes: r.quotes,
    clicks: r.clicks,
  };
}

const SNAPSHOT_COLUMNS = 'post_id, at, likes, reposts, replies, quotes, clicks';

/**
 * A post's collection: `collecting` (its next step is due at dueAt), `done` (every step
 * taken), `deleted` (the platform answered 404/410 or left it out: no more steps), `push`
 * (the webhook platform: counts arrive through the signed endpoint), `unsupported` (the mock
 * platform has no counts).
 */
export type CollectionState = 'collecting' | 'done' | 'deleted' | 'push' | 'unsupported';

/** A post to schedule: its first step and when it is due (null when none). */
export interface NewCollection {
  postId: string;
  channelId: string;
  platform: string;
  externalId: string;
  publishedAt: Date;
  step: number;
  dueAt: Date | null;
  state: CollectionState;
}

/** A due step a collector owns until its lease ends; every write of it names attemptId. */
export interface ClaimedStep {
  postId: string;
  channelId: string;
  platform: string;
  externalId: string;
  publishedAt: Date;
  step: number;
  dueAt: Date;
  /** Failed tries of this step so far. */
  failures: number;
  attemptId: string;
}

/** What the API shows of a post's collection. */
export interface CollectionView {
  state: CollectionState;
  /** The step (0-based index into METRICS_STEPS) due next, or the last one taken when done. */
  step: number;
  nextAt: Date | null;
  lastError: string | null;
}

/** A step taken: the snapshot, and where the collection goes next. */
export interface TakenStep {
  postId: string;
  attemptId: string;
  step: number;
  snapshot: MetricSnapshot;
  next: { step: number; dueAt: Date | null; state: CollectionState };
}

interface ClaimRow {
  post_id: string;
  channel_id: string;
  platform: string;
  external_id: string;
  published_at: Date;
  step: number;
  due_at: Date;
  failures: number;
  attempt_id: string;
}

const COLLECTING: CollectionState = 'collecting';

/**
 * One statement claims up to $2 due steps (due_at passed, no live lease: a lease that ran out
 * belonged to an instance that died), earliest first. SKIP LOCKED lets any number of
 * instances claim at once without waiting on each other or taking the same row; each claim
 * gets a fresh attempt_id, the fencing token of its writes. The partial index
 * post_metric_collections_due serves the condition on state.
 */
const CLAIM_SQL = `
WITH picked AS (
  SELECT post_id FROM post_metric_collections
  WHERE state = '${COLLECTING}' AND due_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
  ORDER BY due_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
UPDATE post_metric_collections c
SET lease_until = $1::timestamptz + $3::integer * interval '1 millisecond', attempt_id = gen_random_uuid(), updated_at = $1
FROM picked WHERE c.post_id = picked.post_id
RETURNING c.post_id, c.channel_id, c.platform, c.external_id, c.published_at, c.step, c.due_at, c.failures, c.attempt_id`;

/**
 * Records steps taken, many in one statement: each fenced update (same attempt_id) moves its
 * collection on, and only those that matched insert their snapshot, named by its step. The
 * unique key (post_id, step) makes a second snapshot of a step impossible whatever happens.
 */
const TAKEN_SQL = `
WITH moved AS (
  UPDATE post_metric_collections c
  SET step = v.next_step, due_at = v.due_at, state = v.state, failures = 0, lease_until = NULL,
      attempt_id = NULL, last_error = NULL, updated_at = $13
  FROM unnest($1::uuid[], $2::uuid[], $3::integer[], $4::timestamptz[], $5::text[])
    AS v(post_id, attempt_id, next_step, due_at, state)
  WHERE c.post_id = v.post_id AND c.attempt_id = v.attempt_id
  RETURNING c.post_id
)
INSERT INTO post_metric_snapshots (post_id, step, at, likes, reposts, replies, quotes, clicks, source)
SELECT s.post_id, s.step, s.at, s.likes, s.reposts, s.replies, s.quotes, s.clicks, 'collector'
FROM unnest($1::uuid[], $6::integer[], $7::timestamptz[], $8::integer[], $9::integer[], $10::integer[], $11::integer[], $12::integer[])
  AS s(post_id, step, at, likes, reposts, replies, quotes, clicks)
JOIN moved ON moved.post_id = s.post_id
ON CONFLICT (post_id, step) WHERE step IS NOT NULL DO NOTHING
RETURNING post_id`;

/**
 * The one owner of `post_metric_snapshots` and `post_metric_collections` (migration
 * 1795400600000). "Now" is always a parameter from the Clock.
 */
@Injectable()
export class MetricsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Inserts one snapshot. A collector snapshot names its step: a second one for the same
   * (post, step) is refused by the unique key and false is returned (nothing written).
   */
  async insertSnapshot(
    m: EntityManager,
    postId: string,
    s: MetricSnapshot,
    source: SnapshotSource,
    step: number | null = null,
  ): Promise<boolean> {
    const rows = await this.rows<{ id: string }>(
      m,
      `INSERT INTO post_metric_snapshots (post_id, step, at, likes, reposts, replies, quotes, clicks, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (post_id, step) WHERE step IS NOT NULL DO NOTHING
       RETURNING id`,
      [postId, step, s.at, s.likes, s.reposts, s.replies, s.quotes, s.clicks, source],
    );
    return rows.length > 0;
  }

  /** The newest snapshot of each post (by `at`, then insertion). */
  async latestFor(postIds: readonly string[]): Promise<Map<string, MetricSnapshot>> {
    const out = new Map<string, MetricSnapshot>();
    if (postIds.length === 0) return out;
    const rows = await this.rows<SnapshotRow>(
      this.ds.manager,
      `SELECT DISTINCT ON (post_id) ${SNAPSHOT_COLUMNS} FROM post_metric_snapshots
        WHERE post_id = ANY($1::uuid[]) ORDER BY post_id, at DESC, id DESC`,
      [[...new Set(postIds)]],
    );
    for (const r of rows) out.set(r.post_id, snapshotOf(r));
    return out;
  }

  /** A post's snapshots, oldest first. */
  async snapshotsOf(postId: string): Promise<MetricSnapshot[]> {
    const rows = await this.rows<SnapshotRow>(
      this.ds.manager,
      `SELECT ${SNAPSHOT_COLUMNS} FROM post_metric_snapshots WHERE post_id = $1 ORDER BY at, id`,
      [postId],
    );
    return rows.map(snapshotOf);
  }

  /**
   * Inserts a webhook snapshot unless the same post already has one from the webhook at the
   * same instant (a replayed delivery records nothing new). True when it was recorded.
   */
  async insertPushedSnapshot(postId: string, s: MetricSnapshot): Promise<boolean> {
    const rows = await this.rows<{ id: string }>(
      this.ds.manager,
      `INSERT INTO post_metric_snapshots (post_id, step, at, likes, reposts, replies, quotes, clicks, source)
       SELECT $1, NULL, $2, $3, $4, $5, $6, $7, 'webhook'
       WHERE NOT EXISTS (SELECT 1 FROM post_metric_snapshots WHERE post_id = $1 AND at = $2 AND source = 'webhook')
       RETURNING id`,
      [postId, s.at, s.likes, s.reposts, s.replies, s.quotes, s.clicks],
    );
    return rows.length > 0;
  }

  /** Schedules posts' collections; a post already scheduled keeps its own. Returns the ids scheduled now. */
  async schedule(items: readonly NewCollection[], now: Date): Promise<string[]> {
    if (items.length === 0) return [];
    const rows = await this.rows<{ post_id: string }>(
      this.ds.manager,
      `INSERT INTO post_metric_collections (post_id, channel_id, platform, external_id, published_at, step, due_at, state, updated_at)
       SELECT v.*, $9::timestamptz FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::integer[], $7::timestamptz[], $8::text[])
         AS v(post_id, channel_id, platform, external_id, published_at, step, due_at, state)
       ON CONFLICT (post_id) DO NOTHING
       RETURNING post_id`,
      [
        items.map((i) => i.postId),
        items.map((i) => i.channelId),
        items.map((i) => i.platform),
        items.map((i) => i.externalId),
        items.map((i) => i.publishedAt.toISOString()),
        items.map((i) => i.step),
        items.map((i) => i.dueAt?.toISOString() ?? null),
        items.map((i) => i.state),
        now,
      ],
    );
    return rows.map((r) => r.post_id);
  }

  /** Which of these posts have a collection already. */
  async scheduledAmong(postIds: readonly string[]): Promise<Set<string>> {
    if (postIds.length === 0) return new Set();
    const rows = await this.rows<{ post_id: string }>(
      this.ds.manager,
      `SELECT post_id FROM post_metric_collections WHERE post_id = ANY($1::uuid[])`,
      [postIds],
    );
    return new Set(rows.map((r) => r.post_id));
  }

  async claimDue(now: Date, limit: number, leaseMs: number): Promise<ClaimedStep[]> {
    if (limit <= 0) return [];
    const rows = await this.rows<ClaimRow>(this.ds.manager, CLAIM_SQL, [now, limit, Math.round(leaseMs)]);
    return rows.map((r) => ({
      postId: r.post_id,
      channelId: r.channel_id,
      platform: r.platform,
      externalId: r.external_id,
      publishedAt: new Date(r.published_at),
      step: r.step,
      dueAt: new Date(r.due_at),
      failures: r.failures,
      attemptId: r.attempt_id,
    }));
  }

  /** The earliest due step in ($1, $2], to wake up for it; null if none. */
  async nextDueAt(now: Date, horizon: Date): Promise<Date | null> {
    const rows = await this.rows<{ due_at: Date }>(
      this.ds.manager,
      `SELECT due_at FROM post_metric_collections WHERE state = '${COLLECTING}' AND due_at > $1 AND due_at <= $2
        ORDER BY due_at LIMIT 1`,
      [now, horizon],
    );
    return rows[0] ? new Date(rows[0].due_at) : null;
  }

  /** Records steps taken (one statement); returns the posts whose snapshot was written. */
  async recordTaken(taken: readonly TakenStep[], now: Date): Promise<Set<string>> {
    if (taken.length === 0) return new Set();
    const rows = await this.rows<{ post_id: string }>(this.ds.manager, TAKEN_SQL, [
      taken.map((t) => t.postId),
      taken.map((t) => t.attemptId),
      taken.map((t) => t.next.step),
      taken.map((t) => t.next.dueAt?.toISOString() ?? null),
      taken.map((t) => t.next.state),
      taken.map((t) => t.step),
      taken.map((t) => t.snapshot.at.toISOString()),
      taken.map((t) => t.snapshot.likes),
      taken.map((t) => t.snapshot.reposts),
      taken.map((t) => t.snapshot.replies),
      taken.map((t) => t.snapshot.quotes),
      taken.map((t) => t.snapshot.clicks),
      now,
    ]);
    return new Set(rows.map((r) => r.post_id));
  }

  /** A failed try: the step waits until `at`, one more failure counted. Fenced. */
  async retryStep(postId: string, attemptId: string, at: Date, lastError: string, now: Date): Promise<boolean> {
    return this.affected(
      `UPDATE post_metric_collections SET due_at = $3, failures = failures + 1, last_error = $4, lease_until = NULL,
         attempt_id = NULL, updated_at = $5 WHERE post_id = $1 AND attempt_id = $2 RETURNING post_id`,
      [postId, attemptId, at, lastError.slice(0, 500), now],
    );
  }

  /** The step is given up (no snapshot); the collection goes on to `next`, keeping the error. Fenced. */
  async skipStep(
    postId: string,
    attemptId: string,
    next: TakenStep['next'],
    lastError: string,
    now: Date,
  ): Promise<boolean> {
    return this.affected(
      `UPDATE post_metric_collections SET step = $3, due_at = $4, state = $5, failures = 0, last_error = $6,
         lease_until = NULL, attempt_id = NULL, updated_at = $7 WHERE post_id = $1 AND attempt_id = $2 RETURNING post_id`,
      [postId, attemptId, next.step, next.dueAt, next.state, lastError.slice(0, 500), now],
    );
  }

  /** The post is gone from its platform: collection stops. Fenced. */
  async markDeleted(postId: string, attemptId: string, lastError: string, now: Date): Promise<boolean> {
    return this.affected(
      `UPDATE post_metric_collections SET state = 'deleted', due_at = NULL, last_error = $3, lease_until = NULL,
         attempt_id = NULL, updated_at = $4 WHERE post_id = $1 AND attempt_id = $2 RETURNING post_id`,
      [postId, attemptId, lastError.slice(0, 500), now],
    );
  }

  /**
   * A channel is rate limited until `until`: its due steps (the free ones, and those these
   * attempts hold) wait until then, nothing counted, on every instance. Returns how many.
   */
  async deferChannel(channelId: string, until: Date, attemptIds: readonly string[], now: Date): Promise<number> {
    const rows = await this.rows<{ post_id: string }>(
      this.ds.manager,
      `UPDATE post_metric_collections SET due_at = $2, lease_until = NULL, attempt_id = NULL, updated_at = $4
        WHERE channel_id = $1 AND state = '${COLLECTING}' AND due_at < $2
          AND (lease_until IS NULL OR lease_until < $4 OR attempt_id = ANY($3::uuid[]))
        RETURNING post_id`,
      [channelId, until, attemptIds, now],
    );
    return rows.length;
  }

  /** Hands claimed steps back, due at `at`, nothing counted (this instance is stopping). */
  async release(steps: readonly { postId: string; attemptId: string }[], at: Date, now: Date): Promise<void> {
    if (steps.length === 0) return;
    await this.rows(
      this.ds.manager,
      `UPDATE post_metric_collections c SET due_at = LEAST(c.due_at, $3), lease_until = NULL, attempt_id = NULL, updated_at = $4
        FROM unnest($1::uuid[], $2::uuid[]) AS v(post_id, attempt_id)
        WHERE c.post_id = v.post_id AND c.attempt_id = v.attempt_id RETURNING c.post_id`,
      [steps.map((s) => s.postId), steps.map((s) => s.attemptId), at, now],
    );
  }

  async collectionOf(postId: string): Promise<CollectionView | null> {
    const rows = await this.rows<{
      state: CollectionState;
      step: number;
      due_at: Date | null;
      last_error: string | null;
    }>(this.ds.manager, `SELECT state, step, due_at, last_error FROM post_metric_collections WHERE post_id = $1`, [
      postId,
    ]);
    const r = rows[0];
    return r
      ? { state: r.state, step: r.step, nextAt: r.due_at ? new Date(r.due_at) : null, lastError: r.last_error }
      : null;
  }

  /** How many collections are in each state, and how many steps are due now (the operations gauge). */
  async dueCount(now: Date): Promise<number> {
    const rows = await this.rows<{ n: string }>(
      this.ds.manager,
      `SELECT count(*) AS n FROM post_metric_collections WHERE state = '${COLLECTING}' AND due_at <= $1`,
      [now],
    );
    return Number(rows[0]?.n ?? 0);
  }

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  get manager(): EntityManager {
    return this.ds.manager;
  }

  private async affected(sql: string, params: unknown[]): Promise<boolean> {
    return (await this.rows(this.ds.manager, sql, params)).length > 0;
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
