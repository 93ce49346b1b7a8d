import { CalendarCache, ChannelPlan } from './calendar.cache';

function plan(slot: string, key: string, bytes: number): ChannelPlan {
  return { slot, key, posts: Buffer.alloc(bytes), postsDigest: '', timeline: [] };
}

describe('CalendarCache', () => {
  it('answers only for the exact key of its slot; a newer plan replaces the older', () => {
    const cache = new CalendarCache(10_000);
    cache.set(plan('c1|range', 'c1|range|rev1', 100));
    expect(cache.get('c1|range', 'c1|range|rev1')?.key).toBe('c1|range|rev1');
    expect(cache.get('c1|range', 'c1|range|rev2')).toBeUndefined();
    expect(cache.get('c2|range', 'c1|range|rev1')).toBeUndefined();
    cache.set(plan('c1|range', 'c1|range|rev2', 200));
    expect(cache.get('c1|range', 'c1|range|rev1')).toBeUndefined();
    expect(cache.size.entries).toBe(1);
    expect(cache.size.bytes).toBeGreaterThanOrEqual(200);
  });

  it('evicts the least recently used plans once over its byte budget, and never keeps an oversized one', () => {
    const cache = new CalendarCache(10_000, 5_000);
    cache.set(plan('a', 'a1', 2_000));
    cache.set(plan('b', 'b1', 2_000));
    cache.set(plan('c', 'c1', 2_000));
    expect(cache.get('a', 'a1')).toBeDefined(); // a is now the most recent
    cache.set(plan('d', 'd1', 2_000)); // over budget: b goes first
    expect(cache.get('b', 'b1')).toBeUndefined();
    expect(cache.get('a', 'a1')).toBeDefined();
    expect(cache.get('c', 'c1')).toBeDefined();
    expect(cache.get('d', 'd1')).toBeDefined();
    expect(cache.size.bytes).toBeLessThanOrEqual(10_000);
    cache.set(plan('e', 'e1', 4_500));
    expect(cache.get('e', 'e1')).toBeUndefined();
    expect(cache.size.bytes).toBeLessThanOrEqual(10_000);
  });

  it('counts a fixed overhead per plan, so that many empty plans also fill the budget', () => {
    const cache = new CalendarCache(100_000);
    for (let i = 0; i < 1_000; i++) cache.set(plan(`s${i}`, `s${i}|r`, 2));
    expect(cache.size.bytes).toBeLessThanOrEqual(100_000);
    expect(cache.size.entries).toBeLessThan(100);
  });

  it('accounts again for a plan whose memos grew, and drops it when it no longer fits', () => {
    const cache = new CalendarCache(10_000, 5_000);
    const p = plan('a', 'a1', 100);
    cache.set(p);
    const before = cache.size.bytes;
    p.last = { around: 'x'.repeat(10), etag: '"e"', body: Buffer.alloc(3_000) };
    cache.resized(p);
    expect(cache.size.bytes).toBeGreaterThan(before);
    p.last = { around: '', etag: '"e"', body: Buffer.alloc(9_000) };
    cache.resized(p);
    expect(cache.get('a', 'a1')).toBeUndefined();
    expect(cache.size).toEqual({ entries: 0, bytes: 0 });
  });
});
