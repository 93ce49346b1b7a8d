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
import { ChannelEntity } from '../channels/channel.entity';
import { POST_STATUS, type PostStatus } from './post-state.machine';
import { sqlStatusIn } from './post-status.sql';

/** An item of the workspace's media library, by id; `alt` overrides the library's alt text for this post. */
export interface PostMediaRef {
  id: string;
  alt?: string;
}

/** The older form, kept for webhook (and mock) channels only: a URL the receiver fetches itself. */
export interface PostMediaUrl {
  url: string;
  alt?: string;
}

/** A post's media: all library items or (webhook, mock) all URLs, in order. */
export type PostMedia = PostMediaRef | PostMediaUrl;

export const isMediaRef = (m: PostMedia): m is PostMediaRef => typeof (m as PostMediaRef).id === 'string';

@Entity({ name: 'posts' })
@Index('posts_channel_scheduled_at', ['channelId', 'scheduledAt'])
@Index('posts_workspace_updated_at', ['workspaceId', 'updatedAt'])
// The dispatcher's claim (post-dispatch.repository.ts): due posts by time, and expired
// leases of posts whose instance died mid-publish.
@Index('posts_dispatch_due', ['scheduledAt'], { where: sqlStatusIn('status', [POST_STATUS.scheduled]) })
@Index('posts_dispatch_lease', ['leaseUntil'], { where: sqlStatusIn('status', [POST_STATUS.publishing]) })
// Failed posts by when they failed: the alerts' sweep for failures without their alert (failed-posts.query.ts).
@Index('posts_failed', ['updatedAt'], { where: sqlStatusIn('status', [POST_STATUS.failed]) })
// Which posts use a media item (media @> '[{"id": ...}]'): a GIN index TypeORM cannot declare,
// made by migration 1795400200000 and left alone by the schema comparison.
@Index('posts_media_ids', { synchronize: false })
export class PostEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId: string;

  @ManyToOne(() => ChannelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'channel_id' })
  channel?: ChannelEntity;

  @Column({ type: 'text', default: POST_STATUS.draft })
  status: PostStatus;

  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  @Column({ type: 'text', nullable: true })
  link: string | null;

  @Column({ type: 'jsonb', default: [] })
  media: PostMedia[];

  /** Key of a category of the post's workspace. */
  @Column({ type: 'text' })
  category: string;

  @Column({ name: 'scheduled_at', type: 'timestamptz', precision: 3, nullable: true })
  scheduledAt: Date | null;

  /** Grows by one each time a scheduled post moves (iCal SEQUENCE). */
  @Column({ type: 'integer', default: 0 })
  sequence: number;

  @Column({ name: 'published_at', type: 'timestamptz', precision: 3, nullable: true })
  publishedAt: Date | null;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId: string | null;

  @Column({ name: 'external_url', type: 'text', nullable: true })
  externalUrl: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Publishing: the current attempt; every dispatcher write is fenced on it. */
  @Column({ name: 'attempt_id', type: 'uuid', nullable: true })
  attemptId: string | null;

  /** Publishing: until when the claiming instance owns the post; after it, it is claimed again. */
  @Column({ name: 'lease_until', type: 'timestamptz', precision: 3, nullable: true })
  leaseUntil: Date | null;

  /** Publishing: a retry waits until then (backoff); null for a first attempt. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', precision: 3, nullable: true })
  nextAttemptAt: Date | null;

  /**
   * Publishing: why a failed post failed, as a code: `missed` (too late after an outage),
   * `rejected`, `auth_expired`, `exhausted` (retries used up), `channel_archived`.
   */
  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @VersionColumn({ default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** The fields of a post that its API form (mapPost) shows: a post read without hydration. */
export type PostRow = Pick<
  PostEntity,
  | 'id'
  | 'workspaceId'
  | 'channelId'
  | 'status'
  | 'body'
  | 'title'
  | 'link'
  | 'media'
  | 'category'
  | 'scheduledAt'
  | 'publishedAt'
  | 'externalId'
  | 'externalUrl'
  | 'lastError'
  | 'failureReason'
  | 'attempts'
  | 'sequence'
  | 'version'
  | 'createdAt'
  | 'updatedAt'
>;
