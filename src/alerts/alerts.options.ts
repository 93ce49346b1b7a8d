/**
 * Alert job settings. The scan interval is GAP_SCAN_INTERVAL_MS (AppConfig); the rest have
 * defaults, overridable by providing ALERTS_OPTIONS (tests do).
 */
export interface AlertsOptions {
  /**
   * Run the scan and the delivery on timers. Default: on. Tests that call scan() and
   * deliver() themselves provide ALERTS_OPTIONS with `schedule: false` (test/support/).
   */
  schedule?: boolean;
  /** How often due deliveries (new alerts, retries) are sent; default min(scan interval, 5 s). */
  deliveryIntervalMs?: number;
  /** How long a claimed delivery is owned; must exceed sendTimeoutMs by far. */
  leaseMs: number;
  /** First retry delay; doubles per attempt up to retryMaxMs. Retries never stop. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Deliveries claimed per round. */
  batchSize: number;
  /** Channels loaded per page during a scan. */
  channelPageSize: number;
  /** SMTP and webhook timeout. */
  sendTimeoutMs: number;
  /** Free slots suggested in an alert. */
  nextSlots: number;
}

export const DEFAULT_ALERTS_OPTIONS: AlertsOptions = {
  leaseMs: 120_000,
  retryBaseMs: 30_000,
  retryMaxMs: 3_600_000,
  batchSize: 50,
  channelPageSize: 200,
  sendTimeoutMs: 10_000,
  nextSlots: 3,
};

/** Injection token of Partial<AlertsOptions>. */
export const ALERTS_OPTIONS = 'ALERTS_OPTIONS';

/** Delay before retry number `attempts` (1 = after the first failure). */
export function retryDelayMs(attempts: number, o: Pick<AlertsOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  return Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** Math.max(0, Math.min(attempts - 1, 20)));
}
