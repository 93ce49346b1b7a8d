import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseAvailability } from '../database/database-availability';
import { CODE_PATTERN, newLinkCode } from './link-code';
import { type LinkClicks, type LinkOwner, LinksRepository } from './links.repository';

/** Clicks are counted per code in periods of this length (UTC quarter hours). */
export const CLICK_PERIOD_MS = 15 * 60_000;
/** How often buffered clicks are written. */
export const CLICK_FLUSH_INTERVAL_MS = 1_000;
/** At most this many (code, period) counters wait in memory (a long database outage): past it, new clicks are dropped. */
const MAX_BUFFERED = 100_000;
/** Codes that exist, with their targets (immutable once created). */
const TARGET_CACHE_SIZE = 100_000;
/** A deleted post's links stop redirecting within this time on every instance. */
const TARGET_CACHE_TTL_MS = 10 * 60_000;
/** Codes found missing: a guesser's repeated requests cost no query for a while. */
const MISSING_CACHE_TTL_MS = 30_000;

export function periodStartOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / CLICK_PERIOD_MS) * CLICK_PERIOD_MS);
}

/**
 * Tracked links (channel `trackLinks`): creates one code per post and target for the
 * dispatcher, resolves codes for the redirect (cached), counts clicks in memory and writes
 * them in batches (every second, and at shutdown), and answers click counts to the metrics
 * and reports. Nothing about the person who clicked is kept (see docs/api.md).
 */
@Injectable()
export class LinksService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LinksService');
  private readonly targets = new LRUCache<string, string>({ max: TARGET_CACHE_SIZE, ttl: TARGET_CACHE_TTL_MS });
  private readonly missing = new LRUCache<string, true>({ max: 10_000, ttl: MISSING_CACHE_TTL_MS });
  /** `code periodStartMs` -> clicks not written yet. */
  private buffer = new Map<string, number>();
  private flushing: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private droppedWarned = false;

  constructor(
    private readonly repo: LinksRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseAvailability,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush().catch(() => undefined), CLICK_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch((error: unknown) =>
      this.logger.error(`Clicks not written at shutdown (${this.bufferedClicks} lost): ${(error as Error).message}`),
    );
  }

  /** Whether links can be tracked at all: they need PUBLIC_URL to point at this service. */
  get enabled(): boolean {
    return this.config.publicUrl !== undefined;
  }

  /** The public address of a code. */
  urlOf(code: string): string {
    if (!this.config.publicUrl) throw new Error('Tracked links need PUBLIC_URL');
    return `${this.config.publicUrl}/l/${code}`;
  }

  /**
   * The tracked address of each target of a post (target -> `{PUBLIC_URL}/l/{code}`),
   * creating the codes it does not have yet: the same post and target always get the same
   * code, so a retried publication publishes the same text.
   */
  async track(owner: LinkOwner, targets: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(targets)];
    let codes = await this.repo.codesOf(owner.postId, wanted);
    for (let round = 0; round < 5 && codes.size < wanted.length; round++) {
      const missing = wanted.filter((t) => !codes.has(t));
      await this.repo.insertMissing(
        owner,
        missing.map((targetUrl) => ({ code: newLinkCode(), targetUrl })),
      );
      codes = await this.repo.codesOf(owner.postId, wanted);
    }
    if (codes.size < wanted.length) throw new Error('Could not create codes for the tracked links');
    return new Map([...codes].map(([target, code]) => [target, this.urlOf(code)]));
  }

  /** Where a code redirects, or null for a code that does not exist (or is malformed). */
  async targetOf(code: string): Promise<string | null> {
    if (!CODE_PATTERN.test(code)) return null;
    const cached = this.targets.get(code);
    if (cached !== undefined) return cached;
    if (this.missing.has(code)) return null;
    const target = await this.repo.targetOf(code);
    if (target === null) this.missing.set(code, true);
    else this.targets.set(code, target);
    return target;
  }

  /** Counts one click in memory; written with the next batch (within CLICK_FLUSH_INTERVAL_MS). */
  count(code: string, at: Date): void {
    const key = `${code} ${periodStartOf(at).getTime()}`;
    const current = this.buffer.get(key);
    if (current === undefined && this.buffer.size >= MAX_BUFFERED) {
      if (!this.droppedWarned) this.logger.warn('Click buffer full (database unreachable?): dropping new clicks');
      this.droppedWarned = true;
      return;
    }
    this.buffer.set(key, (current ?? 0) + 1);
  }

  /** Records one counted click and writes it (with whatever else is buffered) before resolving. */
  async recordClick(code: string, at: Date): Promise<void> {
    this.count(code, at);
    await this.flush();
  }

  /** Writes every buffered click; a write that fails puts its clicks back for the next round. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
    if (this.buffer.size === 0) return;
    const batch = this.buffer;
    this.buffer = new Map();
    this.flushing = this.write(batch).finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async write(batch: Map<string, number>): Promise<void> {
    const rows = [...batch].map(([key, clicks]) => {
      const [code, ms] = key.split(' ');
      return { code, periodStart: new Date(Number(ms)), clicks };
    });
    try {
      await this.repo.addClicks(rows);
      this.droppedWarned = false;
    } catch (error) {
      for (const [key, clicks] of batch) this.buffer.set(key, (this.buffer.get(key) ?? 0) + clicks);
      if (!this.database.explainedByOutage(error))
        this.logger.error(`Writing ${rows.length} click counters failed: ${(error as Error).message}`);
      throw error;
    }
  }

  private get bufferedClicks(): number {
    let n = 0;
    for (const clicks of this.buffer.values()) n += clicks;
    return n;
  }

  /** Clicks per post up to `until` (periods that started before it); only posts with tracked links (0 without clicks). */
  async countsByPost(postIds: readonly string[], until: Date): Promise<Map<string, number>> {
    await this.flush().catch(() => undefined);
    return this.repo.countsByPost(postIds, until);
  }

  /** Clicks per tracked link of these posts within [from, to) (by the periods' starts). */
  async clicksByLink(postIds: readonly string[], from: Date, to: Date): Promise<LinkClicks[]> {
    await this.flush().catch(() => undefined);
    return this.repo.clicksByLink(postIds, from, to);
  }
}
