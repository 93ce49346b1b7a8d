import fc from 'fast-check';
import { estimate, msUntilAllowed, windowStartOf, withinLimit, type WindowCount } from './sliding-window';

const W = 60_000;

describe('sliding window', () => {
  it('weighs the previous window by how much of it still overlaps', () => {
    const count: WindowCount = { windowStart: 120_000, hits: 10, previousHits: 20 };
    expect(estimate(count, 120_000, W)).toBe(30);
    expect(estimate(count, 150_000, W)).toBe(20);
    expect(estimate(count, 180_000, W)).toBe(10);
  });

  it('allows up to the limit and no further', () => {
    expect(withinLimit({ windowStart: 0, hits: 30, previousHits: 0 }, 1000, W, 30)).toBe(true);
    expect(withinLimit({ windowStart: 0, hits: 31, previousHits: 0 }, 1000, W, 30)).toBe(false);
    // Half a window later, half of the previous window's 30 still count.
    expect(withinLimit({ windowStart: 60_000, hits: 16, previousHits: 30 }, 90_000, W, 30)).toBe(false);
    expect(withinLimit({ windowStart: 60_000, hits: 15, previousHits: 30 }, 90_000, W, 30)).toBe(true);
  });

  it('says when the next hit is allowed again', () => {
    // 40 hits from the start of a window, limit 30: the next window starts with 40 * (1 - e) + 1.
    const wait = msUntilAllowed({ windowStart: 0, hits: 40, previousHits: 0 }, 5_000, W, 30);
    expect(wait).toBe(60_000 + 60_000 * (1 - 29 / 40) - 5_000);
    expect(msUntilAllowed({ windowStart: 0, hits: 3, previousHits: 0 }, 5_000, W, 30)).toBe(0);
  });

  it('never names a time at which the next hit would still be refused, nor a later one than needed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: W - 1 }),
        (limit, hits, previousHits, offset) => {
          const count: WindowCount = { windowStart: 10 * W, hits, previousHits };
          const now = 10 * W + offset;
          const wait = msUntilAllowed(count, now, W, limit);
          const at = now + wait;
          // The count as it will be at `at`, with one more hit.
          const later = (t: number): WindowCount => {
            const start = windowStartOf(t, W);
            if (start === count.windowStart) return { windowStart: start, hits: hits + 1, previousHits };
            if (start === count.windowStart + W) return { windowStart: start, hits: 1, previousHits: hits };
            return { windowStart: start, hits: 1, previousHits: 0 };
          };
          expect(withinLimit(later(at), at, W, limit)).toBe(true);
          if (wait > 1) expect(withinLimit(later(at - 2), at - 2, W, limit)).toBe(false);
        },
      ),
    );
  });
});
