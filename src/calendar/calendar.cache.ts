import { VersionedLru } from '../common/versioned-lru';
import type { TimelineEntry } from '../rules';

/** Rough in-memory size of one timeline entry (object, Date, id and category strings). */
const TIMELINE_ENTRY_BYTES = 160;
/**
 * Rough in-memory size of a plan besides its bytes (the plan, its buffers, strings and the
 * map entry): so that many plans of empty ranges also count against the budget.
 */
const PLAN_OVERHEAD_BYTES = 1024;

/** The last answer built from a plan, so that an unchanged answer is neither rebuilt nor rehashed. */
export interface BuiltAnswer {
  /** Everything of the answer that is not the posts: the channel, gaps, violations, mix, range. */
  around: string;
  etag: string;
  body: Buffer;
  /** The body gzip-compressed, made on the first request that accepts it. */
  gzip?: Promise<Buffer>;
  gzipBytes?: number;
}

/**
 * What a channel's calendar over a range needs from the database at one plan revision:
 * the posts dated in the range, already serialized (a JSON array), and the plan window the
 * rule engine judges. Gaps, violations and mix depend on the clock and on the channel's
 * rules and zone too: they are computed from `timeline` and memoized only for the rules,
 * zone and clock readings they hold for (`insights`).
 */
export interface ChannelPlan {
  /** Channel, range and window: where the plan is kept (the plan read last replaces it). */
  slot: string;
  /** Slot and plan revision: `posts` and `timeline` are a function of it. */
  key: string;
  /** The posts of the range, serialized (a JSON array). */
  posts: Buffer;
  /** sha256 of `posts`: what the ETag knows of them. */
  postsDigest: string;
  timeline: readonly TimelineEntry[];
  /** Gaps, violations and mix last computed, for these rules and zone, and the clock readings they hold for. */
  insights?: { rules: string; validFrom: number; validUntil: number; json: string };
  last?: BuiltAnswer;
}

function sizeOf(plan: ChannelPlan): number {
  const posts = plan.last
    ? plan.last.body.length + plan.last.around.length + (plan.last.gzipBytes ?? 0)
    : plan.posts.length;
  const insights = plan.insights ? plan.insights.rules.length + plan.insights.json.length : 0;
  return PLAN_OVERHEAD_BYTES + posts + insights + plan.timeline.length * TIMELINE_ENTRY_BYTES;
}

/**
 * Channel plans kept in memory, per process. One entry per (channel, range, window) slot:
 * the plan last read for a slot replaces the one it held. Least recently used evicted first
 * once the total passes `maxBytes`; a plan larger than `maxEntryBytes` is not kept.
 * Correctness never depends on it: every request reads the current revision first and
 * only a plan of exactly that revision is used.
 */
export class CalendarCache {
  private readonly plans: VersionedLru<ChannelPlan>;

  constructor(maxBytes: number, maxEntryBytes: number = maxBytes / 4) {
    this.plans = new VersionedLru(maxBytes, maxEntryBytes);
  }

  /** The plan stored in `slot` when its key is `key`. */
  get(slot: string, key: string): ChannelPlan | undefined {
    return this.plans.get(slot, key);
  }

  set(plan: ChannelPlan): void {
    this.plans.set(plan.slot, plan.key, plan, sizeOf(plan));
  }

  /** Accounts again for a plan whose memos (insights, last) changed, while the cache still holds it. */
  resized(plan: ChannelPlan): void {
    if (this.plans.peek(plan.slot) === plan) this.set(plan);
  }

  get maxBytes(): number {
    return this.plans.maxBytes;
  }

  get size(): { entries: number; bytes: number } {
    return this.plans.size;
  }
}
