/**
 * The sliding-window counter (as in Cloudflare's and Redis's rate limiters): hits are
 * counted in fixed windows, and the rate over the last `windowMs` is estimated as this
 * window's hits plus the previous window's, weighted by how much of it still overlaps.
 * Two numbers per key, no burst of twice the limit at a window boundary as a fixed window
 * allows. Pure: the clock and the storage are the caller's.
 */
export interface WindowCount {
  /** Start of the current fixed window (ms since the epoch, a multiple of windowMs). */
  windowStart: number;
  /** Hits in the current window, the one just counted included. */
  hits: number;
  /** Hits in the window before it (0 when that window saw none or is not the one before). */
  previousHits: number;
}

export function windowStartOf(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}

/** Hits in the last windowMs, as estimated at `now`. */
export function estimate(count: WindowCount, now: number, windowMs: number): number {
  const elapsed = Math.min(1, Math.max(0, (now - count.windowStart) / windowMs));
  return count.hits + count.previousHits * (1 - elapsed);
}

/** Whether the hit just counted keeps the key within `limit` per window (up to float rounding). */
export function withinLimit(count: WindowCount, now: number, windowMs: number, limit: number): boolean {
  return estimate(count, now, windowMs) <= limit + 1e-9;
}

/**
 * Milliseconds from `now` until one more hit would be within the limit, if nothing else
 * is counted meanwhile (0: it would be now).
 */
export function msUntilAllowed(count: WindowCount, now: number, windowMs: number, limit: number): number {
  const { windowStart, hits, previousHits } = count;
  let at: number;
  if (hits + 1 <= limit) {
    // Later in this window, once enough of the previous window's weight has slid out.
    at = previousHits === 0 ? now : windowStart + windowMs * (1 - (limit - hits - 1) / previousHits);
  } else {
    // In the next window, where this window's hits are the previous ones.
    at = windowStart + windowMs + windowMs * Math.max(0, 1 - (limit - 1) / hits);
  }
  return Math.max(0, Math.ceil(at - now));
}
