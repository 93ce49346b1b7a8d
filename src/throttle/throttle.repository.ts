import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { WindowCount } from './sliding-window';

/** The one owner of `throttle_counters`. */
@Injectable()
export class ThrottleRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Counts one hit of `key` in the window starting at `windowStart` and answers the key's
   * count, in one statement (concurrent hits of one key queue on its row; none is lost).
   * A row of the window before becomes the previous count; an older one is forgotten. A row
   * already in a later window (another instance's clock runs ahead) takes the hit as it is.
   */
  async hit(key: string, windowStart: Date, previousWindowStart: Date, expiresAt: Date): Promise<WindowCount> {
    const rows: { windowStart: Date; hits: number; previousHits: number }[] = await this.ds.query(
      `INSERT INTO throttle_counters AS c (key, window_start, hits, previous_hits, expires_at)
       VALUES ($1, $2, 1, 0, $4)
       ON CONFLICT (key) DO UPDATE SET
         previous_hits = CASE WHEN c.window_start >= EXCLUDED.window_start THEN c.previous_hits
                              WHEN c.window_start = $3 THEN c.hits ELSE 0 END,
         hits = CASE WHEN c.window_start >= EXCLUDED.window_start THEN c.hits + 1 ELSE 1 END,
         window_start = GREATEST(c.window_start, EXCLUDED.window_start),
         expires_at = GREATEST(c.expires_at, EXCLUDED.expires_at)
       RETURNING window_start AS "windowStart", hits, previous_hits AS "previousHits"`,
      [key, windowStart, previousWindowStart, expiresAt],
    );
    const row = rows[0];
    return { windowStart: row.windowStart.getTime(), hits: row.hits, previousHits: row.previousHits };
  }

  /** Deletes up to `limit` counters that no longer count; answers how many. */
  async sweep(now: Date, limit: number): Promise<number> {
    const result: [unknown[], number] = await this.ds.query(
      `DELETE FROM throttle_counters WHERE key IN (SELECT key FROM throttle_counters WHERE expires_at < $1 LIMIT $2)`,
      [now, limit],
    );
    return result[1];
  }
}
