import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ROLES, type Role } from '../auth/actor';
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

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text' })
  role: Role;

  /** sha256 of the api key; the key itself is never stored. */
  @Index('members_api_key_hash', { unique: true })
  @Column({ name: 'api_key_hash', type: 'text' })
  apiKeyHash: string;

  @Column({ name: 'revoked_at', type: 'timestamptz', precision: 3, nullable: true })
  revokedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}
