import { VersionedLru } from '../common/versioned-lru';

/**
 * Rendered feed documents, kept in memory until something in their scope changes.
 * One entry per feed, valid for one ETag (a newer ETag replaces the older), least recently
 * used evicted first once the total passes `maxBytes`. Per process: every instance renders
 * once per change.
 */
export class FeedRenderCache {
  private readonly documents: VersionedLru<Buffer>;

  constructor(maxBytes: number, maxEntryBytes: number = maxBytes / 2) {
    this.documents = new VersionedLru(maxBytes, maxEntryBytes);
  }

  get(feedId: string, etag: string): Buffer | undefined {
    return this.documents.get(feedId, etag);
  }

  set(feedId: string, etag: string, body: Buffer): void {
    this.documents.set(feedId, etag, body, body.length);
  }

  delete(feedId: string): void {
    this.documents.delete(feedId);
  }

  get size(): { entries: number; bytes: number } {
    return this.documents.size;
  }
}
