import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PostEntity } from '../posts/post.entity';

/**
 * One file of a post as uploaded to one platform: the platform's media id (Mastodon) or blob
 * ref as JSON (Bluesky). Written right after each upload, read by the next attempt so that a
 * retry reuses what was uploaded (the dispatcher's MediaUploadLedger). Owned by
 * MediaUploadsRepository; deleted with its post.
 */
@Entity({ name: 'post_media_uploads' })
export class PostMediaUploadEntity {
  @PrimaryColumn({ name: 'post_id', type: 'uuid' })
  postId: string;

  /** The media library's id of the file. */
  @PrimaryColumn({ name: 'media_id', type: 'text' })
  mediaId: string;

  @PrimaryColumn({ type: 'text' })
  platform: string;

  @Column({ name: 'platform_media_id', type: 'text' })
  platformMediaId: string;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @ManyToOne(() => PostEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'post_id' })
  post?: PostEntity;
}
