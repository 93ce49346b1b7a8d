/**
 * Collector settings. The schedule is METRICS_STEPS (AppConfig); the rest are defaults,
 * overridable by providing METRICS_OPTIONS (tests turn the timers off and drive
 * `MetricsCollector.drain()`; the benchmark raises the concurrency).
 */
export interface MetricsOptions {
  /** Whether timers run the collector and the sweep (tests on a FixedClock turn them off). */
  schedule: boolean;
  /** How often the collector looks for due steps (a timer also wakes it for the next one). */
  intervalMs: number;
  /** How often the sweep schedules published posts that have no collection (a lost event). */
  sweepIntervalMs: number;
  /** Posts published this recently are left to their event by the sweep. */
  sweepGraceMs: number;
  /** Largest number of due steps one claim statement takes. */
  batchSize: number;
  /** Platform requests in flight at once on one instance. */
  concurrency: number;
  /** How long a claimed step is owned; a collector that dies leaves it to others after this. */
  leaseMs: number;
  /** Tries of one step (errors other than rate limits and deletion) before it is given up. */
  maxTries: number;
  /** First retry delay after a failed try; doubles per try, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** A 429 that says nothing of when to come back defers the channel's steps this long. */
  rateLimitDefaultMs: number;
}

export const DEFAULT_METRICS_OPTIONS: MetricsOptions = {
  schedule: true,
  intervalMs: 30_000,
  sweepIntervalMs: 10 * 60_000,
  sweepGraceMs: 5 * 60_000,
  batchSize: 100,
  concurrency: 8,
  leaseMs: 5 * 60_000,
  maxTries: 5,
  retryBaseMs: 60_000,
  retryMaxMs: 60 * 60_000,
  rateLimitDefaultMs: 5 * 60_000,
};

/** Injection token of Partial<MetricsOptions> (merged over the defaults). */
export const METRICS_OPTIONS = 'METRICS_OPTIONS';
