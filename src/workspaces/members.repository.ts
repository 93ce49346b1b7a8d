import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { MemberEntity, Role } from './member.entity';

@Injectable()
export class MembersRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  findActiveByKeyHash(apiKeyHash: string): Promise<MemberEntity | null> {
    return this.ds.getRepository(MemberEntity).findOne({ where: { apiKeyHash, revokedAt: IsNull() } });
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

  async emailsOfRole(workspaceId: string, role: Role): Promise<string[]> {
    const rows = await this.ds.getRepository(MemberEntity).find({ where: { workspaceId, role, revokedAt: IsNull() }, order: { createdAt: 'ASC' } });
    return rows.map((r) => r.email);
  }

  insert(m: EntityManager, member: Pick<MemberEntity, 'workspaceId' | 'name' | 'email' | 'role' | 'apiKeyHash'>): Promise<MemberEntity> {
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
