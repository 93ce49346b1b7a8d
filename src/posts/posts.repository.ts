import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager } from 'typeorm';
import { PostEntity, PostRow } from './post.entity';
import { PLANNED_STATUSES, POST_STATUS, type PostStatus } from './post-state.machine';
import { sqlStatus } from './post-status.sql';
import type { TimelineEntry } from '../rules';
import {
  EMPTY_FINGERPRINT,
  fingerprintOfAggregate,
  postsFingerprintQuery,
  timelineOf,
  timelineWindowQuery,
  type PostsFingerprint,
  type PostsScope,
} from './posts.queries';

export type PostChanges = Partial<
  Pick<
    PostEntity,
    'status' | 'body' | 'title' | 'link' | 'media' | 'category' | 'scheduledAt' | 'sequence' | 'nextAttemptAt'
  >
>;

@Injectable()
export class PostsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  findInWorkspace(workspaceId: string, id: string, m: EntityManager = this.ds.manager): Promise<PostEntity | null> {
    return m.getRepository(PostEntity).findOne({ where: { id, workspaceId } });
  }

  /** Locks the post row for the rest of `m`'s transaction (SELECT ... FOR UPDATE) and reads it; null when it is gone. */
  lock(m: EntityManager, id: string): Promise<PostEntity | null> {
    return m.getRepository(PostEntity).findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  async insert(m: EntityManager, post: Partial<PostEntity>): Promise<PostEntity> {
    const repo = m.getRepository(PostEntity);
    return repo.save(repo.create(post));
  }

  /** Applies changes when the stored version still is `version`; false when it moved on. */
  async updateAtVersion(m: EntityManager, id: string, version: number, changes: PostChanges): Promise<boolean> {
    const result = await m
      .createQueryBuilder()
      .update(PostEntity)
      .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' })
      .where('id = :id AND version = :version', { id, version })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async deleteAtVersion(m: EntityManager, id: string, version: number): Promise<boolean> {
    const result = await m.getRepository(PostEntity).delete({ id, version });
    return (result.affected ?? 0) > 0;
  }

  /** A channel's posts by time (undated drafts last), keyset-paginated. */
  listForChannel(
    channelId: string,
    opts: { statuses?: string[]; from?: Date; to?: Date; limit: number; after?: { at: string; id: string } },
  ): Promise<PostEntity[]> {
    const qb = this.ds
      .getRepository(PostEntity)
      .createQueryBuilder('p')
      .where('p.channel_id = :channelId', { channelId })
      .orderBy(`COALESCE(p.scheduled_at, 'infinity'::timestamptz)`)
      .addOrderBy('p.id')
      .limit(opts.limit + 1);
    if (opts.statuses?.length) qb.andWhere('p.status IN (:...statuses)', { statuses: opts.statuses });
    if (opts.from) qb.andWhere('p.scheduled_at >= :from', { from: opts.from });
    if (opts.to) qb.andWhere('p.scheduled_at < :to', { to: opts.to });
    if (opts.after) {
      qb.andWhere(
        new Brackets((w) =>
          w.where(`(COALESCE(p.scheduled_at, 'infinity'::timestamptz), p.id) > (:at::timestamptz, :id)`, opts.after!),
        ),
      );
    }
    return qb.getMany();
  }

  /**
   * The channel's plan (scheduled, publishing, published) in [from, to), plus the nearest
   * planned post before `from` and the nearest at or after `to`: the window a rule check
   * needs (timelineWindowQuery in posts.queries.ts, which the feed render worker runs too).
   */
  async timelineWindow(
    channel: { id: string; workspaceId: string },
    from: Date,
    to: Date,
    m: EntityManager = this.ds.manager,
  ): Promise<TimelineEntry[]> {
    const q = timelineWindowQuery({ channelId: channel.id, workspaceId: channel.workspaceId, from, to });
    return timelineOf(await m.query(q.text, q.values));
  }

  /** Which of these posts are failed (one statement, however many). */
  async failedAmong(ids: string[], m: EntityManager = this.ds.manager): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await m.query(
      `SELECT id FROM posts WHERE id = ANY($1::uuid[]) AND status = ${sqlStatus(POST_STATUS.failed)}`,
      [ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Whether the channel has any post in its plan (scheduled, publishing or published). */
  async hasPlanned(channelId: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `SELECT 1 FROM posts WHERE channel_id = $1 AND status = ANY($2) LIMIT 1`,
      [channelId, PLANNED_STATUSES],
    );
    return rows.length > 0;
  }

  /**
   * Posts of the given channels dated in [from, to), by time then id: plain rows with the
   * fields mapPost shows (no entity hydration; the pg driver parses the column types).
   */
  findDatedInRange(channelIds: string[], from: Date, to: Date, m: EntityManager = this.ds.manager): Promise<PostRow[]> {
    if (channelIds.length === 0) return Promise.resolve([]);
    return m.query(
      `SELECT id, workspace_id AS "workspaceId", channel_id AS "channelId", status, body, title, link, media, category,
              scheduled_at AS "scheduledAt", published_at AS "publishedAt", external_id AS "externalId",
              external_url AS "externalUrl", last_error AS "lastError", failure_reason AS "failureReason",
              attempts, sequence, version, created_at AS "createdAt", updated_at AS "updatedAt"
         FROM posts
        WHERE channel_id = ANY($1::uuid[]) AND scheduled_at >= $2 AND scheduled_at < $3
        ORDER BY scheduled_at, id`,
      [channelIds, from, to],
    );
  }

  /** The fingerprint of the posts in scope (posts.queries.ts), without reading them: one index range scan. */
  async fingerprintInScope(scope: PostsScope): Promise<PostsFingerprint> {
    if (scope.channelIds.length === 0) return EMPTY_FINGERPRINT;
    const q = postsFingerprintQuery(scope);
    const [row] = await this.ds.query(q.text, q.values);
    return fingerprintOfAggregate(row);
  }

  /**
   * Of these media ids, those that a post uses; with `statuses`, only posts in one of them.
   * One index probe per id (posts_media_ids, GIN on media: `media @> '[{"id": ...}]'`).
   */
  async mediaUsedAmong(
    mediaIds: string[],
    statuses: readonly PostStatus[] | null,
    m: EntityManager = this.ds.manager,
  ): Promise<Set<string>> {
    if (mediaIds.length === 0) return new Set();
    const rows: { id: string }[] = await m.query(
      `SELECT e.id FROM unnest($1::text[]) AS e(id)
        WHERE EXISTS (SELECT 1 FROM posts p
                       WHERE p.media @> jsonb_build_array(jsonb_build_object('id', e.id))
                         AND ($2::text[] IS NULL OR p.status = ANY($2::text[])))`,
      [mediaIds, statuses],
    );
    return new Set(rows.map((r) => r.id));
  }
}
