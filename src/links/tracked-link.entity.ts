import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PostEntity } from '../posts/post.entity';

/**
 * A link of a published post, tracked (channel `trackLinks`): published as
 * `{PUBLIC_URL}/l/{code}`, it redirects to `targetUrl` (the UTM-tagged link). One code per
 * (post, target): a retried publication finds the same codes, so it publishes the same text.
 * Targets never change once created (the redirect caches them).
 */
@Entity({ name: 'tracked_links' })
@Index('tracked_links_post_target', ['postId', 'targetUrl'], { unique: true })
export class TrackedLinkEntity {
  /** 12 base62 characters from crypto (about 71 bits): not guessable, not sequential. */
  @PrimaryColumn({ type: 'text' })
  code: string;

  @Column({ name: 'post_id', type: 'uuid' })
  postId: string;

  @ManyToOne(() => PostEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'post_id' })
  post?: PostEntity;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  /** Where the code redirects: the post's link with the channel's UTM tags. */
  @Column({ name: 'target_url', type: 'text' })
  targetUrl: string;

  /** The channel's utm_campaign when the link was created, or null. */
  @Column({ type: 'text', nullable: true })
  campaign: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;
}

/**
 * Counted clicks of one tracked link in one quarter of an hour (UTC; every time zone's
 * midnight falls on one, so days in any zone are sums of whole periods). Nothing about who
 * clicked: no address, no cookie, no user agent; a counter, added to in batches.
 */
@Entity({ name: 'link_clicks' })
export class LinkClickEntity {
  @PrimaryColumn({ type: 'text' })
  code: string;

  @ManyToOne(() => TrackedLinkEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'code' })
  link?: TrackedLinkEntity;

  /** Start of the quarter hour the clicks fell in. */
  @PrimaryColumn({ name: 'period_start', type: 'timestamptz', precision: 3 })
  periodStart: Date;

  @Column({ type: 'integer' })
  clicks: number;
}
