import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import type { ChannelRules, PostingSlot } from '../rules';
import type { KpiItem } from './channel-kpis';

export type Platform = 'mock' | 'webhook' | 'mastodon' | 'bluesky';
export const PLATFORMS: readonly Platform[] = ['mock', 'webhook', 'mastodon', 'bluesky'];
export type ChannelStatus = 'active' | 'archived';
export type ConnectionState = 'ok' | 'broken';

/** Links in the channel's posts get utm_source (platform), utm_medium=social, utm_campaign. */
export interface ChannelUtmConfig {
  campaign: string;
}

/** A post more than this many minutes past due (after an outage) fails as `missed`. */
export const DEFAULT_LATENESS_LIMIT_MINUTES = 360;

@Entity({ name: 'channels' })
@Index('channels_workspace_status', ['workspaceId', 'status'])
export class ChannelEntity {
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
  platform: Platform;

  @Column({ type: 'text' })
  handle: string;

  /** IANA zone: every day, week, quiet hour and slot of this channel is computed in it. */
  @Column({ type: 'text' })
  timezone: string;

  @Column({ type: 'text', default: 'active' })
  status: ChannelStatus;

  @Column({ type: 'text', nullable: true })
  purpose: string | null;

  @Column({ type: 'text', nullable: true })
  audience: string | null;

  @Column({ type: 'text', nullable: true })
  goal: string | null;

  @Column({ type: 'jsonb', default: [] })
  kpis: KpiItem[];

  @Column({ type: 'text', nullable: true })
  guidelines: string | null;

  /** AES-256-GCM ciphertext (see credentials.cipher.ts); never leaves the service. */
  @Column({ name: 'credentials_ciphertext', type: 'text', nullable: true, select: false })
  credentialsCiphertext: string | null;

  @Column({ name: 'has_credentials', type: 'boolean', default: false })
  hasCredentials: boolean;

  @Column({ name: 'approval_required', type: 'boolean', default: true })
  approvalRequired: boolean;

  /** Posts with library media must give each item alt text (the item's or the library's). */
  @Column({ name: 'require_alt_text', type: 'boolean', default: true })
  requireAltText: boolean;

  @Column({ type: 'jsonb', default: {} })
  rules: ChannelRules;

  @Column({ name: 'posting_slots', type: 'jsonb', default: [] })
  postingSlots: PostingSlot[];

  @Column({ name: 'lateness_limit_minutes', type: 'integer', default: DEFAULT_LATENESS_LIMIT_MINUTES })
  latenessLimitMinutes: number;

  @Column({ type: 'jsonb', nullable: true })
  utm: ChannelUtmConfig | null;

  /** Links in published posts become `{PUBLIC_URL}/l/{code}` and count clicks (src/links/). */
  @Column({ name: 'track_links', type: 'boolean', default: false })
  trackLinks: boolean;

  /** The account's picture, as the platform answered it when the channel was connected. */
  @Column({ name: 'avatar_url', type: 'text', nullable: true })
  avatarUrl: string | null;

  /** The last connection check's verdict (null: never checked); see src/connect/. */
  @Column({ name: 'connection_state', type: 'text', nullable: true })
  connectionState: ConnectionState | null;

  @Column({ name: 'connection_checked_at', type: 'timestamptz', precision: 3, nullable: true })
  connectionCheckedAt: Date | null;

  /** Why the last check found it broken (a sentence; never a credential). */
  @Column({ name: 'connection_problem', type: 'text', nullable: true })
  connectionProblem: string | null;

  @Column({ name: 'archived_at', type: 'timestamptz', precision: 3, nullable: true })
  archivedAt: Date | null;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
