import type { BestTimeCell } from '../posts/best-times';

/** How long a channel's best-times table is reused while its plan does not change. */
export const BEST_TIMES_MAX_AGE_MS = 60_000;
const MAX_CHANNELS = 1_000;

/**
 * Per-instance cache of each channel's weekday x hour table (read from its whole history:
 * the report's most expensive part). An entry holds while the channel's plan revision (any
 * write to its posts, a publication included) is the one it was computed at, and at most
 * BEST_TIMES_MAX_AGE_MS: new metrics snapshots arrive on the collector's schedule (hours),
 * so a table at most a minute behind them is what the report shows.
 */
export class BestTimesCache {
  private readonly entries = new Map<string, { revision: string; at: number; cells: BestTimeCell[] }>();

  get(channelId: string, revision: string, now: Date): BestTimeCell[] | undefined {
    const e = this.entries.get(channelId);
    if (!e || e.revision !== revision || now.getTime() - e.at >= BEST_TIMES_MAX_AGE_MS || now.getTime() < e.at) {
      return undefined;
    }
    return e.cells;
  }

  set(channelId: string, revision: string, now: Date, cells: BestTimeCell[]): void {
    this.entries.delete(channelId);
    if (this.entries.size >= MAX_CHANNELS) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(channelId, { revision, at: now.getTime(), cells });
  }
}
