import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvitationEntity } from './invitation.entity';

/** The one owner of `invitations`. */
@Injectable()
export class InvitationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  insert(
    m: EntityManager,
    inv: Pick<
      InvitationEntity,
      'workspaceId' | 'email' | 'role' | 'tokenHash' | 'invitedBy' | 'expiresAt' | 'createdAt'
    >,
  ): Promise<InvitationEntity> {
    const repo = m.getRepository(InvitationEntity);
    return repo.save(repo.create({ ...inv, acceptedAt: null }));
  }

  /** The open (unused, unexpired) invitation of this token hash, locked until the transaction ends; null otherwise. */
  lockOpen(m: EntityManager, tokenHash: string, now: Date): Promise<InvitationEntity | null> {
    return m
      .getRepository(InvitationEntity)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.token_hash = :tokenHash AND i.accepted_at IS NULL AND i.expires_at > :now', { tokenHash, now })
      .getOne();
  }

  async markAccepted(m: EntityManager, id: string, at: Date): Promise<void> {
    await m.getRepository(InvitationEntity).update({ id }, { acceptedAt: at });
  }

  /** The workspace's open invitations, newest first. */
  listOpen(workspaceId: string, now: Date): Promise<InvitationEntity[]> {
    return this.ds
      .getRepository(InvitationEntity)
      .createQueryBuilder('i')
      .where('i.workspace_id = :workspaceId AND i.accepted_at IS NULL AND i.expires_at > :now', { workspaceId, now })
      .orderBy('i.created_at', 'DESC')
      .limit(500)
      .getMany();
  }
}
