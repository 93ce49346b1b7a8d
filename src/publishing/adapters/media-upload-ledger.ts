import type { MediaUploadLedger } from './platform-adapter';

/** A ledger in memory: for tests, and for a publish called without one (this call only). */
export class InMemoryMediaUploadLedger implements MediaUploadLedger {
  readonly entries = new Map<string, string>();
  /** How many puts it received (a test sees that a retry uploaded nothing again). */
  puts = 0;

  get(mediaId: string): Promise<string | null> {
    return Promise.resolve(this.entries.get(mediaId) ?? null);
  }

  put(mediaId: string, platformMediaId: string): Promise<void> {
    this.puts++;
    this.entries.set(mediaId, platformMediaId);
    return Promise.resolve();
  }
}
