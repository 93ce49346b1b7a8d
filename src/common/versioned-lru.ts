/**
 * A per-process memo under a byte budget: one value per slot, valid for one version of what
 * it was made from (a get asking for another version misses), least recently used out first
 * once the total passes `maxBytes`, and a value larger than `maxEntryBytes` never kept.
 * The caller says how many bytes a value holds. Correctness must never depend on it: a
 * value is only ever returned for the exact version asked for.
 */
export class VersionedLru<V> {
  private readonly entries = new Map<string, { version: string; value: V; bytes: number }>();
  private total = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxEntryBytes: number = maxBytes / 2,
  ) {}

  /** The value in `slot` when it was made from `version`; marks it recently used. */
  get(slot: string, version: string): V | undefined {
    const entry = this.entries.get(slot);
    if (!entry || entry.version !== version) return undefined;
    this.entries.delete(slot);
    this.entries.set(slot, entry);
    return entry.value;
  }

  /** The value in `slot`, whatever its version, without marking it used. */
  peek(slot: string): V | undefined {
    return this.entries.get(slot)?.value;
  }

  /** Puts `value` in `slot` (replacing what it held), then evicts down to the budget. */
  set(slot: string, version: string, value: V, bytes: number): void {
    this.delete(slot);
    if (bytes > this.maxEntryBytes) return;
    this.entries.set(slot, { version, value, bytes });
    this.total += bytes;
    for (const [s, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(s);
      this.total -= entry.bytes;
    }
  }

  delete(slot: string): void {
    const entry = this.entries.get(slot);
    if (!entry) return;
    this.entries.delete(slot);
    this.total -= entry.bytes;
  }

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.total };
  }
}
