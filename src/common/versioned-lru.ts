import { LRUCache } from 'lru-cache';

/**
 * A per-process memo under a byte budget: one value per slot, valid for one version of what
 * it was made from (a get asking for another version misses), least recently used out first
 * once the total passes `maxBytes`, and a value larger than `maxEntryBytes` never kept.
 * The caller says how many bytes a value holds. Correctness must never depend on it: a
 * value is only ever returned for the exact version asked for.
 *
 * The budget, the order and the eviction are `lru-cache`'s (`maxSize`, `maxEntrySize`, a
 * size per entry); this class adds only the version check.
 */
export class VersionedLru<V> {
  private readonly entries: LRUCache<string, { version: string; value: V }>;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number = maxBytes / 2,
  ) {
    this.entries = new LRUCache({ maxSize: Math.floor(maxBytes), maxEntrySize: Math.floor(maxEntryBytes) });
  }

  /** The value in `slot` when it was made from `version`; marks it recently used. */
  get(slot: string, version: string): V | undefined {
    // A miss on the version must not count as a use: peek first.
    if (this.entries.peek(slot)?.version !== version) return undefined;
    return this.entries.get(slot)?.value;
  }

  /** The value in `slot`, whatever its version, without marking it used. */
  peek(slot: string): V | undefined {
    return this.entries.peek(slot)?.value;
  }

  /** Puts `value` in `slot` (replacing what it held), then evicts down to the budget. */
  set(slot: string, version: string, value: V, bytes: number): void {
    // lru-cache counts sizes in positive integers; an oversized value is not kept and
    // drops what the slot held.
    this.entries.set(slot, { version, value }, { size: Math.max(1, Math.ceil(bytes)) });
  }

  delete(slot: string): void {
    this.entries.delete(slot);
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.entries.calculatedSize };
  }
}
