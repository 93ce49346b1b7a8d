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
   * How long a claim is owned. An instance that dies mid-publish loses its posts to
   * another instance after this; must exceed the adapters' HTTP timeout (10 s).
   */
  leaseMs: number;
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
  leaseMs: 60_000,
  maxAttempts: 5,
  retryBaseMs: 15_000,
  retryMaxMs: 15 * 60_000,
  rateLimitDefaultMs: 60_000,
  shutdownGraceMs: 10_000,
  clockSkewWarnMs: 1_000,
};

/** Injection token of Partial<PublishingOptions> (merged over the defaults). */
export const PUBLISHING_OPTIONS = 'PUBLISHING_OPTIONS';
