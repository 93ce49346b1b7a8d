import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { msUntilAllowed, windowStartOf, withinLimit } from './sliding-window';
import { ThrottleRepository } from './throttle.repository';

export interface RateVerdict {
  allowed: boolean;
  /** When refused: seconds until the key may be hit again (Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

/** Keys refused lately, remembered per instance (a bound on memory, not on correctness). */
const REMEMBERED_MAX = 10_000;
const SWEEP_EVERY_MS = 5 * 60_000;
const SWEEP_BATCH = 1000;

/**
 * Rate limits shared by every instance: `hit(key, limit, windowMs)` counts one event of
 * `key` in PostgreSQL (a sliding window over `throttle_counters`) and says whether it stays
 * within `limit` per `windowMs`. Callers choose what to count: wrong credentials per client
 * address (CredentialThrottle), sign-in attempts per account later. A key must always be
 * counted with the same window.
 *
 * Each instance also remembers the keys it saw refused, until their Retry-After: while a
 * key is refused, `blockedFor(key)` answers without a database round trip, so a flood from
 * one address costs one write per instance per window, not one per request.
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger('RateLimiter');
  private readonly refusedUntil = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly counters: ThrottleRepository,
    private readonly clock: Clock,
  ) {}

  async hit(key: string, limit: number, windowMs: number): Promise<RateVerdict> {
    const now = this.clock.now().getTime();
    const start = windowStartOf(now, windowMs);
    const count = await this.counters.hit(
      key,
      new Date(start),
      new Date(start - windowMs),
      new Date(start + 2 * windowMs),
    );
    this.sweepNowAndThen(now);
    if (withinLimit(count, now, windowMs, limit)) return { allowed: true, retryAfterSeconds: 0 };
    const wait = Math.max(1000, msUntilAllowed(count, now, windowMs, limit));
    this.remember(key, now + wait);
    return { allowed: false, retryAfterSeconds: Math.ceil(wait / 1000) };
  }

  /** Milliseconds this instance knows `key` to stay refused (0: not known to be refused). */
  blockedFor(key: string): number {
    const until = this.refusedUntil.get(key);
    if (until === undefined) return 0;
    const left = until - this.clock.now().getTime();
    if (left <= 0) this.refusedUntil.delete(key);
    return Math.max(0, left);
  }

  private remember(key: string, until: number): void {
    this.refusedUntil.delete(key);
    this.refusedUntil.set(key, until);
    if (this.refusedUntil.size > REMEMBERED_MAX)
      this.refusedUntil.delete(this.refusedUntil.keys().next().value as string);
  }

  /** Counters outlive their use by at most a few minutes; no job needed. */
  private sweepNowAndThen(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    this.counters
      .sweep(new Date(now), SWEEP_BATCH)
      .catch((error: unknown) => this.logger.warn(`Sweeping rate counters failed: ${(error as Error).message}`));
  }
}
