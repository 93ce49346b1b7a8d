import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export interface WorkspaceSettings {
  maxActiveChannels: number;
  /** Email domains whose users join on their first single sign-on, with `ssoRole`. */
  ssoDomains?: string[];
  /** The role of members who join by their email domain (default viewer). */
  ssoRole?: 'lead' | 'editor' | 'viewer';
  /** Members sign in by single sign-on only (password sign-in refused). */
  ssoOnly?: boolean;
}

export const DEFAULT_WORKSPACE_SETTINGS: WorkspaceSettings = { maxActiveChannels: 3 };

@Entity({ name: 'workspaces' })
export class WorkspaceEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  timezone: string;

  @Column({ type: 'jsonb', default: { maxActiveChannels: 3 } })
  settings: WorkspaceSettings;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
