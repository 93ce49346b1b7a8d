/**
 * Dispatcher settings. The tick interval is DISPATCH_INTERVAL_MS (AppConfig); the rest are
 * defaults chosen for the platforms we publish to, overridable by providing
 * PUBLISHING_OPTIONS (tests and benchmarks shorten the lease, for instance).
 */
export interface PublishingOptions {
  /** Posts published at the same time by one instance (slow platforms overlap). */
  concurrency: number;
  /** Largest batch one claim statement takes. */
  batchSize: number;
  /**
   * How long a claim is owned without a renewal. An attempt in progress renews it every
   * `renewEveryMs` (the heartbeat), so a slow platform or a long upload keeps its post; an
   * instance that dies stops renewing, and its posts are taken over at most this long after
   * its last renewal (plus one dispatch interval).
   */
  leaseMs: number;
  /** The heartbeat's period; at most a third of `leaseMs` (default: a third of it). */
  renewEveryMs?: number;
  /**
   * Whether a timer runs the heartbeat (default true). Tests on a FixedClock turn it off and
   * call `PublishDispatcher.renewLeases()` themselves, as they call `tick()`.
   */
  autoRenew?: boolean;
  /** Attempts before a retryable failure becomes `failed` (reason `exhausted`). */
  maxAttempts: number;
  /** First retry delay; doubles per attempt, with full jitter on the upper half. */
  retryBaseMs: number;
  /** Longest retry delay. */
  retryMaxMs: number;
  /** A 429 without Retry-After pauses the channel on this instance this long. */
  rateLimitDefaultMs: number;
  /** Graceful shutdown: how long in-flight publications may take before being released. */
  shutdownGraceMs: number;
  /** A difference between the Clock and PostgreSQL's clock above this is logged at start. */
  clockSkewWarnMs: number;
}

export const DEFAULT_PUBLISHING_OPTIONS: PublishingOptions = {
  concurrency: 100,
  batchSize: 100,
  leaseMs: 12_000,
  maxAttempts: 5,
  retryBaseMs: 15_000,
  retryMaxMs: 15 * 60_000,
  rateLimitDefaultMs: 60_000,
  shutdownGraceMs: 10_000,
  clockSkewWarnMs: 1_000,
};

/** The options with the heartbeat derived from the lease when not given, checked. */
export function resolvePublishingOptions(given: Partial<PublishingOptions>): Required<PublishingOptions> {
  const options = { ...DEFAULT_PUBLISHING_OPTIONS, ...given };
  const renewEveryMs = options.renewEveryMs ?? Math.floor(options.leaseMs / 3);
  if (!(renewEveryMs > 0) || renewEveryMs * 3 > options.leaseMs) {
    throw new Error(
      `publishing: renewEveryMs (${renewEveryMs}) must be positive and at most a third of leaseMs (${options.leaseMs})`,
    );
  }
  return { ...options, renewEveryMs, autoRenew: options.autoRenew ?? true };
}

/** Injection token of Partial<PublishingOptions> (merged over the defaults). */
export const PUBLISHING_OPTIONS = 'PUBLISHING_OPTIONS';
