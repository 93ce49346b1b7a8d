import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ChannelRules } from '../rules';
import { FeedEntity } from './feed.entity';

/** An active channel in a feed's scope, as the public endpoint reads it. */
export interface FeedScopeChannel {
  id: string;
  name: string;
  version: number;
  updatedAt: string;
  timezone: string;
  rules: ChannelRules | null;
  /** Grows with every write to the channel's posts (its plan revision, PlanService.revisions). */
  revision: number;
}

/** What the public endpoint needs about a feed and its channels: one cheap query, and the channels' plan revisions. */
export interface FeedScopeRow {
  id: string;
  workspaceId: string;
  name: string;
  channelIds: string[] | null;
  includeDrafts: boolean;
  includeGaps: boolean;
  windowPastDays: number;
  windowFutureDays: number;
  tokenHash: string;
  version: number;
  updatedAt: Date;
  /** Active channels in scope, ordered by id. */
  channels: FeedScopeChannel[];
  /** `id:version:revision,...` of the channels in scope: changes with any write to their posts. */
  state: string;
  /** Latest write to a post of these channels (trigger-maintained), or null. */
  postsTouchedAt: Date | null;
}

/** A feed and its active channels as scopeByTokenHash reads them: the scope before the plan revisions are known. */
export type FeedScopeRead = Omit<FeedScopeRow, 'channels' | 'state' | 'postsTouchedAt'> & {
  channels: Omit<FeedScopeChannel, 'revision'>[];
};

/** What PATCH may change. */
export type FeedChanges = Partial<
  Pick<FeedEntity, 'name' | 'channelIds' | 'includeDrafts' | 'includeGaps' | 'windowPastDays' | 'windowFutureDays'>
>;

@Injectable()
export class FeedsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  findInWorkspace(workspaceId: string, id: string, m: EntityManager = this.ds.manager): Promise<FeedEntity | null> {
    return m.getRepository(FeedEntity).findOne({ where: { id, workspaceId } });
  }

  async insert(m: EntityManager, feed: Partial<FeedEntity>): Promise<FeedEntity> {
    const repo = m.getRepository(FeedEntity);
    return repo.save(repo.create(feed));
  }

  list(workspaceId: string, opts: { limit: number; after?: { createdAt: string; id: string } }): Promise<FeedEntity[]> {
    const qb = this.ds
      .getRepository(FeedEntity)
      .createQueryBuilder('f')
      .where('f.workspace_id = :workspaceId', { workspaceId })
      .orderBy('f.created_at')
      .addOrderBy('f.id')
      .limit(opts.limit + 1);
    if (opts.after) qb.andWhere('(f.created_at, f.id) > (:createdAt, :id)', opts.after);
    return qb.getMany();
  }

  async replaceToken(m: EntityManager, id: string, tokenHash: string, at: Date): Promise<void> {
    await m
      .createQueryBuilder()
      .update(FeedEntity)
      .set({ tokenHash, tokenRotatedAt: at, version: () => 'version + 1', updatedAt: () => 'now()' })
      .where('id = :id', { id })
      .execute();
  }

  /** Applies changes when the stored version still is `version` (and bumps it); false when it moved on. */
  async updateAtVersion(m: EntityManager, id: string, version: number, changes: FeedChanges): Promise<boolean> {
    const result = await m
      .createQueryBuilder()
      .update(FeedEntity)
      .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' })
      .where('id = :id AND version = :version', { id, version })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async delete(m: EntityManager, id: string): Promise<boolean> {
    const result = await m.getRepository(FeedEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * The feed with this token hash and its active channels, in one indexed query touching
   * only the feed row and its channels (never the posts).
   */
  async scopeByTokenHash(tokenHash: string): Promise<FeedScopeRead | null> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT f.id, f.workspace_id, f.name, f.channel_ids, f.include_drafts, f.include_gaps,
              f.window_past_days, f.window_future_days, f.token_hash, f.version, f.updated_at,
              s.channels
         FROM feeds f
         CROSS JOIN LATERAL (
           SELECT coalesce(json_agg(json_build_object('id', c.id, 'name', c.name, 'version', c.version, 'updatedAt', c.updated_at,
                                                      'timezone', c.timezone, 'rules', c.rules)
                                    ORDER BY c.id), '[]'::json) AS channels
             FROM channels c
            WHERE c.workspace_id = f.workspace_id AND c.status = 'active'
              AND (f.channel_ids IS NULL OR c.id = ANY (f.channel_ids))
         ) s
        WHERE f.token_hash = $1`,
      [tokenHash],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id as string,
      workspaceId: r.workspace_id as string,
      name: r.name as string,
      channelIds: r.channel_ids as string[] | null,
      includeDrafts: r.include_drafts as boolean,
      includeGaps: r.include_gaps as boolean,
      windowPastDays: r.window_past_days as number,
      windowFutureDays: r.window_future_days as number,
      tokenHash: r.token_hash as string,
      version: r.version as number,
      updatedAt: r.updated_at as Date,
      channels: r.channels as FeedScopeRead['channels'],
    };
  }
}
