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
