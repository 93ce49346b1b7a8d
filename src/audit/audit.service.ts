import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Actor } from '../auth/actor';
import { AuditEventEntity } from './audit-event.entity';

export interface AuditEntry {
  action: string;
  entityType:
    | 'workspace'
    | 'member'
    | 'channel'
    | 'post'
    | 'category'
    | 'feed'
    | 'alert-settings'
    | 'user'
    | 'invitation'
    | 'token'
    | 'media';
  /** Null where there is no row (a sign-in failure for an unknown email). */
  entityId: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** The audit trail: written in the same transaction as the change it records. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Records `entry` through `m`, the EntityManager of the transaction that makes the change:
   * the entry commits with the change or not at all. There is no default: an entry written
   * on its own could record a change that rolled back, or miss one that committed.
   */
  async record(
    actor:
      | Pick<Actor, 'workspaceId' | 'memberId' | 'userId'>
      | { workspaceId: string | null; memberId: string | null; userId?: string | null },
    entry: AuditEntry,
    m: EntityManager,
  ): Promise<void> {
    if (!m.queryRunner?.isTransactionActive)
      throw new Error(`Audit entry ${entry.action} written outside the transaction of its change`);
    await m.getRepository(AuditEventEntity).insert({
      workspaceId: actor.workspaceId,
      actorMemberId: actor.memberId,
      actorUserId: actor.userId ?? null,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      reason: entry.reason ?? null,
      details: entry.details ?? {},
    } as QueryDeepPartialEntity<AuditEventEntity>);
  }

  /**
   * The posts whose schedule a lead forced through the channel rules (`post.schedule.override`)
   * within [from, to), one entry per override: the reports count them per channel.
   */
  async overridesIn(workspaceId: string, from: Date, to: Date): Promise<{ postId: string; at: Date }[]> {
    const rows = await this.ds
      .getRepository(AuditEventEntity)
      .createQueryBuilder('a')
      .select(['a.entityId', 'a.at'])
      .where('a.workspace_id = :workspaceId', { workspaceId })
      .andWhere('a.at >= :from AND a.at < :to', { from, to })
      .andWhere("a.action = 'post.schedule.override'")
      .getMany();
    return rows.filter((r) => r.entityId !== null).map((r) => ({ postId: r.entityId!, at: r.at }));
  }

  async list(
    workspaceId: string,
    opts: { limit: number; before?: { at: string; id: string }; entityId?: string },
  ): Promise<AuditEventEntity[]> {
    const qb = this.ds
      .getRepository(AuditEventEntity)
      .createQueryBuilder('a')
      .where('a.workspace_id = :workspaceId', { workspaceId })
      .orderBy('a.at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(opts.limit + 1);
    if (opts.entityId) qb.andWhere('a.entity_id = :entityId', { entityId: opts.entityId });
    if (opts.before) qb.andWhere('(a.at, a.id) < (:at, :id)', opts.before);
    return qb.getMany();
  }
}
