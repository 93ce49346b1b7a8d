import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ROLES, type Role } from '../auth/actor';
import { UserEntity } from '../accounts/user.entity';
import { WorkspaceEntity } from './workspace.entity';

export { ROLES, type Role };

@Entity({ name: 'members' })
@Index('members_workspace_email_active', ['workspaceId', 'email'], { unique: true, where: 'revoked_at IS NULL' })
export class MemberEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  /** The account of this membership (one user, many workspaces). */
  @Index('members_user')
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text' })
  role: Role;

  /**
   * sha256 of the member's script api key (POST /v1/workspaces, POST members); the key
   * itself is never stored. Null for members who joined by invitation: they sign in, and
   * make personal access tokens (ApiTokenEntity) for scripts.
   */
  @Index('members_api_key_hash', { unique: true })
  @Column({ name: 'api_key_hash', type: 'text', nullable: true })
  apiKeyHash: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', precision: 3, nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
