import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface IdempotencyRow {
  fingerprint: string;
  response: string | null;
  lockedUntil: Date | null;
  expiresAt: Date;
}

/** The one owner of `idempotency_keys`. Rows are identified by (scope, key). */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Takes the key for a request: a new row, or one that no longer counts (expired, or
   * abandoned by a request of the same fingerprint whose lock ran out: its instance died).
   * True when this request now holds the key and must run.
   */
  async claim(
    scope: string,
    key: string,
    fingerprint: string,
    now: Date,
    lockedUntil: Date,
    expiresAt: Date,
  ): Promise<boolean> {
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO idempotency_keys AS k (scope, key, fingerprint, response, locked_until, created_at, expires_at)
       VALUES ($1, $2, $3, NULL, $5, $4, $6)
       ON CONFLICT (scope, key) DO UPDATE SET
         fingerprint = EXCLUDED.fingerprint, response = NULL, locked_until = EXCLUDED.locked_until,
         created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
       WHERE k.expires_at <= $4 OR (k.response IS NULL AND k.locked_until <= $4 AND k.fingerprint = EXCLUDED.fingerprint)
       RETURNING 1`,
      [scope, key, fingerprint, now, lockedUntil, expiresAt],
    );
    return rows.length === 1;
  }

  async find(scope: string, key: string): Promise<IdempotencyRow | null> {
    const rows: IdempotencyRow[] = await this.ds.query(
      `SELECT fingerprint, response, locked_until AS "lockedUntil", expires_at AS "expiresAt" FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    return rows[0] ?? null;
  }

  /**
   * Keeps the answer of the request holding the key. The claim is named by its lock's end:
   * a request whose lock ran out and was taken over no longer holds the key.
   */
  async complete(scope: string, key: string, lockedUntil: Date, response: string): Promise<void> {
    await this.ds.query(
      `UPDATE idempotency_keys SET response = $4, locked_until = NULL WHERE scope = $1 AND key = $2 AND locked_until = $3 AND response IS NULL`,
      [scope, key, lockedUntil, response],
    );
  }

  /** Frees the key of a request that failed (it created nothing): a repeat runs again. */
  async release(scope: string, key: string, lockedUntil: Date): Promise<void> {
    await this.ds.query(
      `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND locked_until = $3 AND response IS NULL`,
      [scope, key, lockedUntil],
    );
  }

  /** Deletes up to `limit` expired keys; answers how many. */
  async sweep(now: Date, limit: number): Promise<number> {
    const result: [unknown[], number] = await this.ds.query(
      `DELETE FROM idempotency_keys WHERE (scope, key) IN (SELECT scope, key FROM idempotency_keys WHERE expires_at < $1 LIMIT $2)`,
      [now, limit],
    );
    return result[1];
  }
}
