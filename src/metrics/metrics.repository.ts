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

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  get manager(): EntityManager {
    return this.ds.manager;
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
