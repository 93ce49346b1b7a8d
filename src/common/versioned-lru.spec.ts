import { VersionedLru } from './versioned-lru';

describe('VersionedLru', () => {
  it('answers a value only for the version it was made from; a newer version replaces it', () => {
    const lru = new VersionedLru<string>(1_000);
    lru.set('feed-1', '"v1"', 'one', 10);
    expect(lru.get('feed-1', '"v1"')).toBe('one');
    expect(lru.get('feed-1', '"v2"')).toBeUndefined();
    expect(lru.get('feed-2', '"v1"')).toBeUndefined();
    lru.set('feed-1', '"v2"', 'two', 30);
    expect(lru.get('feed-1', '"v1"')).toBeUndefined();
    expect(lru.size).toEqual({ entries: 1, bytes: 30 });
  });

  it('evicts the least recently used first once over budget, and never keeps an oversized value', () => {
    const lru = new VersionedLru<string>(100, 50);
    lru.set('a', '1', 'a', 40);
    lru.set('b', '1', 'b', 40);
    expect(lru.get('a', '1')).toBe('a'); // a is now the most recent
    lru.set('c', '1', 'c', 40); // 120 > 100: b goes
    expect(lru.get('b', '1')).toBeUndefined();
    expect([lru.get('a', '1'), lru.get('c', '1')]).toEqual(['a', 'c']);
    lru.set('d', '1', 'd', 60); // larger than an entry may be
    expect(lru.get('d', '1')).toBeUndefined();
    expect(lru.size).toEqual({ entries: 2, bytes: 80 });
  });

  it('peeks without changing the order, and deletes', () => {
    const lru = new VersionedLru<string>(100);
    lru.set('a', '1', 'a', 40);
    lru.set('b', '1', 'b', 40);
    expect(lru.peek('a')).toBe('a');
    lru.set('c', '1', 'c', 40); // a was only peeked: it is still the oldest
    expect(lru.peek('a')).toBeUndefined();
    lru.delete('b');
    expect(lru.size).toEqual({ entries: 1, bytes: 40 });
  });
});
