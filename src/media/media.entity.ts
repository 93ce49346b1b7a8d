import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import { WorkspaceEntity } from '../workspaces/workspace.entity';

export type MediaKind = 'image' | 'video';

/**
 * One file of a workspace's media library. The row is written only once the file (and its
 * thumbnail) are stored whole, so a row always has its file. `sha256` is of the bytes as
 * uploaded: the same file twice in a workspace is one item (unique index).
 */
@Entity({ name: 'media' })
@Index('media_workspace_sha256', ['workspaceId', 'sha256'], { unique: true })
@Index('media_workspace_created', ['workspaceId', 'createdAt', 'id'])
@Index('media_created', ['createdAt'])
export class MediaEntity {
  /** Chosen by the service before the file is stored (the storage key derives from it). */
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid' })
  workspaceId: string;

  @ManyToOne(() => WorkspaceEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'workspace_id' })
  workspace?: WorkspaceEntity;

  @Column({ type: 'text' })
  kind: MediaKind;

  @Column({ name: 'mime_type', type: 'text' })
  mimeType: string;

  /** Bytes of the stored file (images are re-encoded without their metadata). */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | null) => Number(v) } })
  bytes: number;

  @Column({ type: 'integer', nullable: true })
  width: number | null;

  @Column({ type: 'integer', nullable: true })
  height: number | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs: number | null;

  /** Video only: the codec string, e.g. avc1.42c01e. */
  @Column({ type: 'text', nullable: true })
  codec: string | null;

  @Column({ type: 'text', default: '' })
  alt: string;

  /** Focus point, Mastodon's convention: x and y in -1..1, (0, 0) the centre, y up. */
  @Column({ name: 'focus_x', type: 'real', default: 0 })
  focusX: number;

  @Column({ name: 'focus_y', type: 'real', default: 0 })
  focusY: number;

  @Column({ type: 'text' })
  sha256: string;

  @Column({ name: 'storage_key', type: 'text' })
  storageKey: string;

  @Column({ name: 'thumbnail_key', type: 'text', nullable: true })
  thumbnailKey: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
