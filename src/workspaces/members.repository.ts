import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { PreparedQueries, preparedStatement } from '../database/prepared-queries';
import { MemberEntity, Role } from './member.entity';

/** What authenticating a request needs of the member holding an api key or signed in. */
export type KeyHolder = Pick<MemberEntity, 'id' | 'workspaceId' | 'role' | 'name' | 'email' | 'userId'> & {
  readOnly: boolean;
};

const KEY_HOLDER = preparedStatement(
  'members_key_holder',
  `SELECT id, workspace_id AS "workspaceId", role, name, email, user_id AS "userId", false AS "readOnly"
   FROM members WHERE api_key_hash = $1 AND revoked_at IS NULL`,
);

/** The user's active member in a workspace ($2), or in their oldest workspace when $2 is null or not theirs. */
const MEMBERSHIP = preparedStatement(
  'members_membership',
  `SELECT id, workspace_id AS "workspaceId", role, name, email, user_id AS "userId", false AS "readOnly"
   FROM members WHERE user_id = $1 AND revoked_at IS NULL
   ORDER BY (workspace_id = $2::uuid) IS TRUE DESC, created_at, id LIMIT 1`,
);

/** A user's membership as GET /v1/me lists it. */
export interface Membership {
  memberId: string;
  workspaceId: string;
  workspaceName: string;
  timezone: string;
  role: Role;
}

@Injectable()
export class MembersRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly prepared: PreparedQueries,
  ) {}

  /**
   * The active member holding the api key with this hash, or null. Every authenticated
   * request runs it, so it is one indexed read (unique index on `api_key_hash`) of the four
   * fields the guard needs, as a prepared statement: no query building, no entity
   * hydration, no parsing and planning per request.
   */
  async findActiveByKeyHash(apiKeyHash: string): Promise<KeyHolder | null> {
    const rows = await this.prepared.rows<KeyHolder>(KEY_HOLDER, [apiKeyHash]);
    return rows[0] ?? null;
  }

  /** The user's member in `workspaceId` when there is one, else in their oldest workspace; null: none. */
  async findMembership(userId: string, workspaceId: string | undefined): Promise<KeyHolder | null> {
    const rows = await this.prepared.rows<KeyHolder>(MEMBERSHIP, [userId, workspaceId ?? null]);
    return rows[0] ?? null;
  }

  /** The user's active memberships, oldest first, with their workspaces' names. */
  async listMemberships(userId: string): Promise<Membership[]> {
    return this.ds.query(
      `SELECT m.id AS "memberId", m.workspace_id AS "workspaceId", w.name AS "workspaceName", w.timezone, m.role
       FROM members m JOIN workspaces w ON w.id = m.workspace_id
       WHERE m.user_id = $1 AND m.revoked_at IS NULL ORDER BY m.created_at, m.id`,
      [userId],
    );
  }

  async countActiveOfUser(m: EntityManager, userId: string): Promise<number> {
    return m.getRepository(MemberEntity).count({ where: { userId, revokedAt: IsNull() } });
  }

  async setRole(m: EntityManager, id: string, role: Role): Promise<void> {
    await m.getRepository(MemberEntity).update({ id }, { role });
  }

  findInWorkspace(workspaceId: string, id: string, m: EntityManager = this.ds.manager): Promise<MemberEntity | null> {
    return m.getRepository(MemberEntity).findOne({ where: { workspaceId, id } });
  }

  listActive(workspaceId: string, opts: { limit: number; after?: string }): Promise<MemberEntity[]> {
    const qb = this.ds
      .getRepository(MemberEntity)
      .createQueryBuilder('m')
      .where('m.workspace_id = :workspaceId AND m.revoked_at IS NULL', { workspaceId })
      .orderBy('m.id')
      .limit(opts.limit + 1);
    if (opts.after) qb.andWhere('m.id > :after', { after: opts.after });
    return qb.getMany();
  }

  /** With `m`, on that transaction's connection (callers inside a transaction must pass it). */
  async emailsOfRole(workspaceId: string, role: Role, m?: EntityManager): Promise<string[]> {
    const rows = await (m ?? this.ds.manager)
      .getRepository(MemberEntity)
      .find({ where: { workspaceId, role, revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
    return rows.map((r) => r.email);
  }

  insert(
    m: EntityManager,
    member: Pick<MemberEntity, 'workspaceId' | 'name' | 'email' | 'role' | 'apiKeyHash' | 'userId'>,
  ): Promise<MemberEntity> {
    return m.getRepository(MemberEntity).save(m.getRepository(MemberEntity).create({ ...member, revokedAt: null }));
  }

  async emailInUse(m: EntityManager, workspaceId: string, email: string): Promise<boolean> {
    return m.getRepository(MemberEntity).exists({ where: { workspaceId, email, revokedAt: IsNull() } });
  }

  /** Locks the workspace's active leads (so two revocations cannot remove the last two). */
  async lockActiveLeads(m: EntityManager, workspaceId: string): Promise<MemberEntity[]> {
    return m
      .getRepository(MemberEntity)
      .createQueryBuilder('m')
      .setLock('pessimistic_write')
      .where(`m.workspace_id = :workspaceId AND m.role = 'lead' AND m.revoked_at IS NULL`, { workspaceId })
      .getMany();
  }

  async revoke(m: EntityManager, id: string, at: Date): Promise<void> {
    await m.getRepository(MemberEntity).update({ id }, { revokedAt: at });
  }
}
