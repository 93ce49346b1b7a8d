import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MediaStorage } from './media-storage';
import { MediaUsage } from './media-usage';
import { MediaRepository } from './media.repository';
import { MediaService } from './media.service';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often each instance tries; one of them wins each turn (advisory lock). */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;
const BATCH = 500;
/** Files without a row younger than this may belong to an upload in progress (stored, row not yet written). */
const ORPHAN_GRACE_MS = 60 * 60 * 1000;
const LOCK = 'palinsesto:media-retention';

/** Injection token: `{ schedule: false }` turns the job's timer off (tests call run()). */
export const MEDIA_RETENTION_OPTIONS = 'MEDIA_RETENTION_OPTIONS';

/**
 * Deletes media no post uses (any status) once they are older than MEDIA_RETENTION_DAYS,
 * and files in storage that no row names (a crash between storing and inserting, a failed
 * delete). Once across instances: the turn is won with a transaction-scoped advisory lock,
 * and the candidate rows are locked FOR UPDATE SKIP LOCKED (a post being saved with an item
 * holds it FOR KEY SHARE, so that item waits for the next turn).
 */
@Injectable()
export class MediaRetentionJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('MediaRetention');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly repository: MediaRepository,
    private readonly media: MediaService,
    private readonly storage: MediaStorage,
    private readonly usage: MediaUsage,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MEDIA_RETENTION_OPTIONS) private readonly options: { schedule: boolean },
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.schedule) return;
    this.timer = setInterval(() => {
      this.run().catch((e: unknown) => this.logger.error(`Media retention failed: ${String(e)}`));
    }, RETENTION_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** One turn; answers what it deleted, or null when another instance has the turn. */
  async run(): Promise<{ deleted: string[]; orphanFiles: number } | null> {
    const before = new Date(this.clock.now().getTime() - this.config.mediaRetentionDays * DAY_MS);
    const deleted = await this.repository.withTransactionLock(LOCK, async (m) => {
      const candidates = await this.repository.createdBefore(m, before, BATCH);
      const used = await this.usage.referenced(
        candidates.map((c) => c.id),
        m,
      );
      const doomed = candidates.filter((c) => !used.has(c.id)).map((c) => c.id);
      await this.repository.deleteIds(m, doomed);
      return doomed;
    });
    if (deleted === undefined) return null;
    for (const id of deleted) await this.media.deleteFiles(id);
    const orphanFiles = await this.sweepOrphans();
    if (deleted.length > 0 || orphanFiles > 0)
      this.logger.log(`Deleted ${deleted.length} unused media items and ${orphanFiles} files without an item`);
    return { deleted, orphanFiles };
  }

  private async sweepOrphans(): Promise<number> {
    // Object times come from the store's clock, not the injected Clock.
    const graceEnd = Date.now() - ORPHAN_GRACE_MS;
    const pending: { key: string; id: string }[] = [];
    let removed = 0;
    const flush = async () => {
      const existing = await this.repository.existing([...new Set(pending.map((p) => p.id))]);
      for (const p of pending) {
        if (!existing.has(p.id)) {
          await this.storage.delete(p.key);
          removed++;
        }
      }
      pending.length = 0;
    };
    for await (const o of this.storage.list('media/')) {
      const id = /^media\/([0-9a-f-]{36})/.exec(o.key)?.[1];
      if (!id || o.modifiedAt.getTime() > graceEnd) continue;
      pending.push({ key: o.key, id });
      if (pending.length >= BATCH) await flush();
    }
    await flush();
    return removed;
  }
}
