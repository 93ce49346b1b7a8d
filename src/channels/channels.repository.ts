import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PreparedQueries, PreparedStatement, preparedStatement } from '../database/prepared-queries';
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
    | 'requireAltText'
    | 'rules'
    | 'postingSlots'
    | 'latenessLimitMinutes'
    | 'utm'
    | 'trackLinks'
    | 'credentialsCiphertext'
    | 'hasCredentials'
    | 'archivedAt'
    | 'avatarUrl'
    | 'connectionState'
    | 'connectionCheckedAt'
    | 'connectionProblem'
  >
>;

/**
 * `"c"."col" AS "property"` for every column TypeORM would select for the entity, and a
 * way back from such a row to an entity: what TypeORM hydration gives for these column
 * types (the pg driver already parses uuid, text, boolean, integer, jsonb and timestamptz),
 * without building a query each time. Built once from the entity metadata, so a column
 * added to the entity is read too. For the hot reads (the calendar's, on every request).
 */
function plainSelect(ds: DataSource, entity: typeof ChannelEntity, alias: string) {
  const columns = ds.getMetadata(entity).columns.filter((c) => c.isSelect && !c.isVirtual);
  for (const c of columns) {
    if (c.transformer || c.embeddedMetadata)
      throw new Error(`ChannelsRepository reads ${c.propertyName} without TypeORM: add its transformer here`);
  }
  return {
    list: columns.map((c) => `${alias}."${c.databaseName}" AS "${c.propertyName}"`).join(', '),
    entityOf(row: Record<string, unknown>): ChannelEntity {
      const channel = new entity();
      for (const c of columns) (channel as unknown as Record<string, unknown>)[c.propertyName] = row[c.propertyName];
      return channel;
    },
  };
}

@Injectable()
export class ChannelsRepository {
  private readonly plain: ReturnType<typeof plainSelect>;
  private readonly inWorkspace: PreparedStatement;
  private readonly activeInWorkspace: PreparedStatement;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly prepared: PreparedQueries,
  ) {
    this.plain = plainSelect(ds, ChannelEntity, 'c');
    const select = `SELECT ${this.plain.list} FROM channels c`;
    this.inWorkspace = preparedStatement('channels_in_workspace', `${select} WHERE c.id = $1 AND c.workspace_id = $2`);
    this.activeInWorkspace = preparedStatement(
      'channels_active_in_workspace',
      `${select} WHERE c.workspace_id = $1 AND c.status = 'active' ORDER BY c.created_at, c.id`,
    );
  }

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  findInWorkspace(workspaceId: string, id: string, m: EntityManager = this.ds.manager): Promise<ChannelEntity | null> {
    return m.getRepository(ChannelEntity).findOne({ where: { id, workspaceId } });
  }

  /**
   * A channel of the workspace (any status), as findInWorkspace, as a prepared statement
   * built once: it is on the calendar's hot path.
   */
  async findInWorkspacePrepared(workspaceId: string, id: string): Promise<ChannelEntity | null> {
    const rows = await this.prepared.rows<Record<string, unknown>>(this.inWorkspace, [id, workspaceId]);
    return rows.length === 0 ? null : this.plain.entityOf(rows[0]);
  }

  /** The workspace's active channels (by creation, as listActive), as a prepared statement. */
  async listActivePrepared(workspaceId: string): Promise<ChannelEntity[]> {
    const rows = await this.prepared.rows<Record<string, unknown>>(this.activeInWorkspace, [workspaceId]);
    return rows.map((row) => this.plain.entityOf(row));
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

  /** Locks a channel row by id alone (background jobs and connect flows, already scoped). */
  lockById(m: EntityManager, id: string): Promise<ChannelEntity | null> {
    return m
      .getRepository(ChannelEntity)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.id = :id', { id })
      .getOne();
  }

  /** Active channels that have credentials, by id, a page at a time (the connection check). */
  listActiveWithCredentials(afterId: string | null, limit: number): Promise<ChannelEntity[]> {
    const qb = this.ds
      .getRepository(ChannelEntity)
      .createQueryBuilder('c')
      .where(`c.status = 'active' AND c.has_credentials`)
      .orderBy('c.id')
      .limit(limit);
    if (afterId) qb.andWhere('c.id > :afterId', { afterId });
    return qb.getMany();
  }

  list(
    workspaceId: string,
    opts: { status?: ChannelStatus; limit: number; after?: { createdAt: string; id: string } },
  ): Promise<ChannelEntity[]> {
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
