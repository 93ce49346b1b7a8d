import { BEST_TIMES_MAX_AGE_MS, BestTimesCache } from './best-times.cache';

describe('BestTimesCache', () => {
  const cells = [{ weekday: 1, hour: 9, posts: 2, medianEngagement: 12 }];
  const t0 = new Date('2026-12-01T08:00:00Z');
  const later = (ms: number) => new Date(t0.getTime() + ms);

  it('holds while the plan revision holds, for at most the max age', () => {
    const c = new BestTimesCache();
    c.set('c1', '3:100', t0, cells);
    expect(c.get('c1', '3:100', later(BEST_TIMES_MAX_AGE_MS - 1))).toBe(cells);
    expect(c.get('c1', '4:200', later(1))).toBeUndefined(); // a post of the channel changed
    expect(c.get('c1', '3:100', later(BEST_TIMES_MAX_AGE_MS))).toBeUndefined(); // too old
    expect(c.get('c1', '3:100', later(-1))).toBeUndefined(); // the clock went back
    expect(c.get('c2', '3:100', t0)).toBeUndefined();
  });
});
