import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ChannelEntity, ChannelStatus } from './channel.entity';

export type ChannelChanges = Partial<
  Pick<
    ChannelEntity,
    | 'name'
    | 'handle'
    | 'timezone'
    | 'status'
    | 'purpose'
    | 'audience'
    | 'goal'
    | 'kpis'
    | 'guidelines'
    | 'approvalRequired'
    | 'rules'
    | 'postingSlots'
    | 'latenessLimitMinutes'
    | 'utm'
    | 'credentialsCiphertext'
    | 'hasCredentials'
    | 'archivedAt'
  >
>;

@Injectable()
export class ChannelsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  findInWorkspace(workspaceId: string, id: string, m: EntityManager = this.ds.manager): Promise<ChannelEntity | null> {
    return m.getRepository(ChannelEntity).findOne({ where: { id, workspaceId } });
  }

  /** Locks the channel row: changes to one channel's plan are serialised on it. */
  lockInWorkspace(m: EntityManager, workspaceId: string, id: string): Promise<ChannelEntity | null> {
    return m
      .getRepository(ChannelEntity)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.id = :id AND c.workspace_id = :workspaceId', { id, workspaceId })
      .getOne();
  }

  list(workspaceId: string, opts: { status?: ChannelStatus; limit: number; after?: { createdAt: string; id: string } }): Promise<ChannelEntity[]> {
    const qb = this.ds
      .getRepository(ChannelEntity)
      .createQueryBuilder('c')
      .where('c.workspace_id = :workspaceId', { workspaceId })
      .orderBy('c.created_at')
      .addOrderBy('c.id')
      .limit(opts.limit + 1);
    if (opts.status) qb.andWhere('c.status = :status', { status: opts.status });
    if (opts.after) qb.andWhere('(c.created_at, c.id) > (:createdAt, :id)', opts.after);
    return qb.getMany();
  }

  listActive(workspaceId: string, ids?: string[]): Promise<ChannelEntity[]> {
    const qb = this.ds
      .getRepository(ChannelEntity)
      .createQueryBuilder('c')
      .where(`c.workspace_id = :workspaceId AND c.status = 'active'`, { workspaceId })
      .orderBy('c.created_at')
      .addOrderBy('c.id');
    if (ids) qb.andWhere('c.id IN (:...ids)', { ids });
    return qb.getMany();
  }

  /** Active channels with a cadence rule (maxGapHours or postsPerWeek), by id, a page at a time. */
  listActiveWithCadence(afterId: string | null, limit: number): Promise<ChannelEntity[]> {
    const qb = this.ds
      .getRepository(ChannelEntity)
      .createQueryBuilder('c')
      .where(`c.status = 'active'`)
      .andWhere(`(c.rules -> 'cadence' ? 'maxGapHours' OR c.rules -> 'cadence' ? 'postsPerWeek')`)
      .orderBy('c.id')
      .limit(limit);
    if (afterId) qb.andWhere('c.id > :afterId', { afterId });
    return qb.getMany();
  }

  findByIds(ids: string[]): Promise<ChannelEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.ds.getRepository(ChannelEntity).createQueryBuilder('c').where('c.id IN (:...ids)', { ids }).getMany();
  }

  countActive(workspaceId: string, m: EntityManager = this.ds.manager): Promise<number> {
    return m.getRepository(ChannelEntity).count({ where: { workspaceId, status: 'active' } });
  }

  async insert(m: EntityManager, channel: Partial<ChannelEntity>): Promise<ChannelEntity> {
    const repo = m.getRepository(ChannelEntity);
    return repo.save(repo.create(channel));
  }

  /** Applies changes when the stored version still is `version`; false when it moved on. */
  async updateAtVersion(m: EntityManager, id: string, version: number, changes: ChannelChanges): Promise<boolean> {
    const result = await m
      .createQueryBuilder()
      .update(ChannelEntity)
      .set({ ...changes, version: () => 'version + 1', updatedAt: () => 'now()' })
      .where('id = :id AND version = :version', { id, version })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** The encrypted credentials (a column never selected by default). */
  async credentialsCiphertext(id: string, m: EntityManager = this.ds.manager): Promise<string | null> {
    const row = await m
      .getRepository(ChannelEntity)
      .createQueryBuilder('c')
      .select('c.credentials_ciphertext', 'ciphertext')
      .where('c.id = :id', { id })
      .getRawOne<{ ciphertext: string | null }>();
    return row?.ciphertext ?? null;
  }
}
