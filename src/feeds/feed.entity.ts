import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { WorkspaceEntity } from '../workspaces/workspace.entity';

export const DEFAULT_WINDOW_PAST_DAYS = 60;
export const DEFAULT_WINDOW_FUTURE_DAYS = 365;

/** A subscribable iCal feed of a workspace (GET /ical/<token>.ics). */
@Entity({ name: 'feeds' })
@Index('feeds_workspace_created_at', ['workspaceId', 'createdAt'])
export class FeedEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  @Column({ type: 'text' })
  name: string;

  /** The channels the feed shows; null: every active channel of the workspace, present and future. */
  @Column({ name: 'channel_ids', type: 'uuid', array: true, nullable: true })
  channelIds: string[] | null;

  @Column({ name: 'include_drafts', type: 'boolean', default: false })
  includeDrafts: boolean;

  @Column({ name: 'include_gaps', type: 'boolean', default: false })
  includeGaps: boolean;

  @Column({ name: 'window_past_days', type: 'integer', default: DEFAULT_WINDOW_PAST_DAYS })
  windowPastDays: number;

  @Column({ name: 'window_future_days', type: 'integer', default: DEFAULT_WINDOW_FUTURE_DAYS })
  windowFutureDays: number;

  /** sha256 (hex) of the secret token; the token itself is never stored. */
  @Index('feeds_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ name: 'token_rotated_at', type: 'timestamptz', precision: 3, nullable: true })
  tokenRotatedAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/**
 * One row per channel whose posts ever changed: `revision` grows on every INSERT, UPDATE
 * or DELETE of its posts. Maintained by statement-level triggers on `posts` (see the
 * migration), so any writer (API, dispatcher, raw SQL) is seen. Feeds compare it with what
 * they saw last time to answer 304 without reading the posts at all.
 */
@Entity({ name: 'feed_channel_revisions' })
export class FeedChannelRevisionEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId: string;

  @Column({ type: 'bigint', default: 0 })
  revision: string;

  @Column({ name: 'changed_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  changedAt: Date;
}
