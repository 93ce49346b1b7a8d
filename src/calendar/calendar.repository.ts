import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ChannelEntity } from '../channels/channel.entity';

/**
 * Where a channel's posts stand: the per-channel revision that the statement-level triggers
 * on `posts` bump in the writing transaction (`feed_channel_revisions`, migration Feeds),
 * with the instant of that bump. "0:0" for a channel no post was ever written to. Revisions
 * only grow, and the instant is part of the token, so a token names one state of the
 * channel's posts.
 */
export type PlanRevision = string;

export interface ChannelWithRevision {
  channel: ChannelEntity;
  revision: PlanRevision;
}

function revisionOf(revision: unknown, changedAt: unknown): PlanRevision {
  const at = changedAt instanceof Date ? changedAt.getTime() : changedAt ? new Date(changedAt as string).getTime() : 0;
  return `${revision ?? 0}:${at}`;
}

/**
 * `"c"."col" AS "property"` for every column TypeORM would select for the entity, and a
 * way back from such a row to an entity: what TypeORM hydration gives for these column
 * types (the pg driver already parses uuid, text, boolean, integer, jsonb and timestamptz),
 * without building a query each time. Built once from the entity metadata, so a column
 * added to the entity is read too.
 */
function plainSelect(ds: DataSource, entity: typeof ChannelEntity, alias: string) {
  const columns = ds.getMetadata(entity).columns.filter((c) => c.isSelect && !c.isVirtual);
  for (const c of columns) {
    if (c.transformer || c.embeddedMetadata) throw new Error(`CalendarRepository reads ${c.propertyName} without TypeORM: add its transformer here`);
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

/**
 * The calendar's reads that are not posts: its channels with their plan revisions, each in
 * one statement (a calendar request reads its channel and the revision together, so that
 * the cached plan it picks matches the row it shows), and the revisions inside a
 * snapshot. It reads `channels` and `feed_channel_revisions` itself, read-only, because
 * the channels module has no read of a channel with its revision.
 */
@Injectable()
export class CalendarRepository {
  private readonly channelColumns: ReturnType<typeof plainSelect>;
  private readonly oneSql: string;
  private readonly activeSql: string;

  constructor(@InjectDataSource() private readonly ds: DataSource) {
    this.channelColumns = plainSelect(ds, ChannelEntity, 'c');
    const select = `SELECT ${this.channelColumns.list}, r.revision AS "planRevision", r.changed_at AS "planChangedAt"
         FROM channels c LEFT JOIN feed_channel_revisions r ON r.channel_id = c.id`;
    this.oneSql = `${select} WHERE c.id = $1 AND c.workspace_id = $2`;
    this.activeSql = `${select} WHERE c.workspace_id = $1 AND c.status = 'active' ORDER BY c.created_at, c.id`;
  }

  /** A channel of the workspace (any status) with its plan revision, in one statement. */
  async channelWithRevision(workspaceId: string, channelId: string): Promise<ChannelWithRevision | null> {
    const rows: Record<string, unknown>[] = await this.ds.query(this.oneSql, [channelId, workspaceId]);
    return rows.length === 0 ? null : this.withRevision(rows[0]);
  }

  /** The workspace's active channels (by creation, as the channel list) with their plan revisions. */
  async activeWithRevisions(workspaceId: string): Promise<ChannelWithRevision[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(this.activeSql, [workspaceId]);
    return rows.map((row) => this.withRevision(row));
  }

  /** Plan revisions of these channels as `m` sees them. */
  async revisions(channelIds: string[], m: EntityManager): Promise<Map<string, PlanRevision>> {
    const rows: { channel_id: string; revision: string; changed_at: Date }[] = await m.query(
      `SELECT channel_id, revision, changed_at FROM feed_channel_revisions WHERE channel_id = ANY($1::uuid[])`,
      [channelIds],
    );
    const out = new Map<string, PlanRevision>(channelIds.map((id) => [id, revisionOf(null, null)]));
    for (const r of rows) out.set(r.channel_id, revisionOf(r.revision, r.changed_at));
    return out;
  }

  /**
   * Runs `work` in one REPEATABLE READ transaction: every statement in it sees the same
   * snapshot, so posts read in it belong to the revision read in it.
   */
  snapshot<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction('REPEATABLE READ', work);
  }

  private withRevision(row: Record<string, unknown>): ChannelWithRevision {
    return { channel: this.channelColumns.entityOf(row), revision: revisionOf(row.planRevision, row.planChangedAt) };
  }
}
