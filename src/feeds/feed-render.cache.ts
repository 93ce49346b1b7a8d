/**
 * Rendered feed documents, kept in memory until something in their scope changes.
 * One entry per feed (a newer ETag replaces the older), least recently used evicted first
 * once the total passes `maxBytes`. Per process: every instance renders once per change.
 */
export interface CachedFeed {
  etag: string;
  body: Buffer;
}

export class FeedRenderCache {
  private readonly entries = new Map<string, CachedFeed>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number = maxBytes / 2,
  ) {}

  get(feedId: string, etag: string): Buffer | undefined {
    const entry = this.entries.get(feedId);
    if (!entry || entry.etag !== etag) return undefined;
    this.entries.delete(feedId);
    this.entries.set(feedId, entry);
    return entry.body;
  }

  set(feedId: string, etag: string, body: Buffer): void {
    this.delete(feedId);
    if (body.length > this.maxEntryBytes) return;
    this.entries.set(feedId, { etag, body });
    this.bytes += body.length;
    for (const [id, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(id);
      this.bytes -= entry.body.length;
    }
  }

  delete(feedId: string): void {
    const entry = this.entries.get(feedId);
    if (!entry) return;
    this.entries.delete(feedId);
    this.bytes -= entry.body.length;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}
