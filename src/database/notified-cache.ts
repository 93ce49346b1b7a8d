import { ChangeChannel, ChangeNotifications, ChangeSubscriber } from './change-notifications';

export interface NotifiedCacheOptions<V> {
  /** The notification channel whose payloads name the rows the values are read from. */
  channel: ChangeChannel;
  /** The id of the row a value was read from (what a notification of its change carries). */
  rowOf: (value: V) => string;
  /** At most this many values (least recently used go first). */
  maxEntries: number;
  /**
   * A value is read again after this long, notified or not: a backstop for writes that fire
   * no trigger (a restore with triggers disabled, a replica-mode session). Default 60 s.
   */
  maxAgeMs?: number;
}

const DEFAULT_MAX_AGE_MS = 60_000;

interface Kept<V> {
  value: V;
  until: number;
}

/**
 * A read-through cache of rows that are read on every request (the api key's member, the
 * calendar's channel, channels' plan revisions), kept current by ChangeNotifications: a value is served only after
 * `caughtUp()`, so never older than the request, and dropped when its row changes.
 *
 * A value read from the database is kept only if no notification of this cache arrived
 * (and no reset happened) between the start of the read and its end: a change committed
 * while the row was being read may or may not be in what was read. (One counter for all
 * rows: a busy table makes fewer reads kept, never a wrong one.) Missing rows (null) are
 * not kept, and nothing is kept longer than `maxAgeMs`.
 */
export class NotifiedCache<V> implements ChangeSubscriber {
  private readonly values = new Map<string, Kept<V>>();
  private readonly keysByRow = new Map<string, Set<string>>();
  /** Moves on every notification and reset: a read that saw it move is not kept. */
  private generation = 0;

  constructor(
    private readonly notifications: ChangeNotifications,
    private readonly options: NotifiedCacheOptions<V>,
  ) {
    notifications.subscribe(options.channel, this);
  }

  /** The value under `key`, from the cache when it is current, else from `read` (and kept). */
  async get(key: string, read: () => Promise<V | null>): Promise<V | null> {
    if (await this.notifications.caughtUp()) {
      const hit = this.hit(key);
      if (hit !== undefined) return hit;
    }
    const generation = this.generation;
    const value = await read();
    if (value !== null && generation === this.generation && this.notifications.live) this.keep(key, value);
    return value;
  }

  /**
   * The values under `keys` (in their order; null where there is none), as `get` gives
   * them, for the price of one: one `caughtUp()`, and one `read` of the keys that missed
   * (it answers a value by key, leaving out those it has none for). Kept as `get` keeps.
   */
  async getMany(
    keys: readonly string[],
    read: (missing: string[]) => Promise<ReadonlyMap<string, V>>,
  ): Promise<(V | null)[]> {
    const values: (V | null)[] = keys.map(() => null);
    let missing = keys.map((_, i) => i);
    if (keys.length > 0 && (await this.notifications.caughtUp())) {
      missing = missing.filter((i) => {
        const hit = this.hit(keys[i]);
        if (hit === undefined) return true;
        values[i] = hit;
        return false;
      });
    }
    if (missing.length === 0) return values;
    const generation = this.generation;
    const found = await read([...new Set(missing.map((i) => keys[i]))]);
    const keep = generation === this.generation && this.notifications.live;
    for (const i of missing) {
      const value = found.get(keys[i]) ?? null;
      values[i] = value;
      if (value !== null && keep) this.keep(keys[i], value);
    }
    return values;
  }

  get size(): number {
    return this.values.size;
  }

  changed(row: string): void {
    this.generation++;
    const keys = this.keysByRow.get(row);
    if (!keys) return;
    this.keysByRow.delete(row);
    for (const key of keys) this.values.delete(key);
  }

  reset(): void {
    this.generation++;
    this.values.clear();
    this.keysByRow.clear();
  }

  /** The value kept under `key` while it is current (made the most recently used), else undefined. */
  private hit(key: string): V | undefined {
    const hit = this.values.get(key);
    if (hit === undefined || performance.now() >= hit.until) return undefined;
    // Most recently used last.
    this.values.delete(key);
    this.values.set(key, hit);
    return hit.value;
  }

  private keep(key: string, value: V): void {
    this.forget(key);
    this.values.set(key, { value, until: performance.now() + (this.options.maxAgeMs ?? DEFAULT_MAX_AGE_MS) });
    const row = this.options.rowOf(value);
    let keys = this.keysByRow.get(row);
    if (!keys) this.keysByRow.set(row, (keys = new Set()));
    keys.add(key);
    if (this.values.size > this.options.maxEntries) this.forget(this.values.keys().next().value as string);
  }

  private forget(key: string): void {
    const kept = this.values.get(key);
    if (kept === undefined) return;
    this.values.delete(key);
    const row = this.options.rowOf(kept.value);
    const keys = this.keysByRow.get(row);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByRow.delete(row);
  }
}
