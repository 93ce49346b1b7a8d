import type { MediaKind } from './media.entity';

/** A library item as other modules see it (MediaService.describe, resolve). */
export interface MediaItem {
  id: string;
  workspaceId: string;
  kind: MediaKind;
  mimeType: string;
  /** Bytes of the stored file. */
  bytes: number;
  width: number | null;
  height: number | null;
  durationMs: number | null;
  /** Video: e.g. avc1.42c01e; images: null. */
  codec: string | null;
  /** The library's alt text ('' when none); MediaService.resolve applies a post's own. */
  alt: string;
  /** Mastodon's focus convention: x, y in -1..1, (0, 0) the centre. */
  focus: { x: number; y: number };
  /** Of the bytes as uploaded (duplicates in a workspace are one item). */
  sha256: string;
  createdAt: Date;
}

/** The bytes of a stored file (the original, or a copy re-encoded to fit a size). */
export interface MediaFile {
  stream: import('node:stream').Readable;
  bytes: number;
  mimeType: string;
  width?: number;
  height?: number;
}
