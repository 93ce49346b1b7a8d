import { Injectable, Logger } from '@nestjs/common';
import { type PublishedRecord, PostDispatchRepository } from '../posts/post-dispatch.repository';

interface Pending {
  record: PublishedRecord;
  resolve(written: boolean): void;
  reject(error: unknown): void;
}

const MAX_BATCH = 1000;
const WRITE_TRIES = 3;

/**
 * Records publications with group commit: the first one is written at once (next turn of
 * the event loop), and those that arrive while a write is under way go together in the
 * next statement. A publication's external id is thus saved as soon as the database can
 * take it, at a fraction of the cost of one UPDATE per post.
 */
@Injectable()
export class PublishedWriter {
  private readonly logger = new Logger('PublishedWriter');
  private queue: Pending[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly repo: PostDispatchRepository) {}

  /** Resolves true when written, false when the post's claim had passed to a newer attempt. */
  write(record: PublishedRecord): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.running) {
        this.running = new Promise<void>((done) => setImmediate(() => void this.flush().finally(done))).finally(() => {
          this.running = null;
        });
      }
    });
  }

  /** Resolves when every queued record has been written (or given up). */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      for (let attempt = 1; ; attempt++) {
        try {
          const written = await this.repo.markPublished(batch.map((p) => p.record));
          for (const p of batch) p.resolve(written.has(p.record.id));
          break;
        } catch (error) {
          if (attempt >= WRITE_TRIES) {
            // The posts stay `publishing`; their leases expire and the retry, with the
            // same idempotency key, finds the publication on the platform.
            this.logger.error(`Could not record ${batch.length} publications: ${(error as Error).message}`);
            for (const p of batch) p.reject(error);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
        }
      }
    }
  }
}
