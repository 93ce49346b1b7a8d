import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface ClaimedDigest {
  id: string;
  workspaceId: string;
  /** The local date (YYYY-MM-DD) of the Monday the digest is sent on. */
  weekStart: string;
  destination: string;
  attempts: number;
  claimId: string;
}

/** TypeORM answers an UPDATE with [rows, rowCount]. */
function updatedRows<T>(result: unknown): T[] {
  return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
}

/**
 * Every SQL statement on `digest_deliveries` (migration 1795400900000), the weekly digest's
 * outbox: one row per (workspace, week, destination), so two instances queueing the same
 * week queue it once; claimed under a lease with FOR UPDATE SKIP LOCKED; writes fenced on
 * the claim, as alert_deliveries.
 */
@Injectable()
export class DigestRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Whether the week's digest of the workspace was queued already (recipients are fixed then). */
  async queued(workspaceId: string, weekStart: string): Promise<boolean> {
    const rows = (await this.ds.query(
      `SELECT 1 FROM digest_deliveries WHERE workspace_id = $1 AND week_start = $2::date LIMIT 1`,
      [workspaceId, weekStart],
    )) as unknown[];
    return rows.length > 0;
  }

  /** Queues the week's digest for each destination; repeats are absorbed. Returns how many were new. */
  async enqueue(workspaceId: string, weekStart: string, destinations: string[], now: Date): Promise<number> {
    if (destinations.length === 0) return 0;
    const rows = (await this.ds.query(
      `INSERT INTO digest_deliveries (workspace_id, week_start, destination, next_attempt_at, created_at)
       SELECT $1, $2::date, d, $3, $3 FROM unnest($4::text[]) AS d
       ON CONFLICT (workspace_id, week_start, destination) DO NOTHING
       RETURNING id`,
      [workspaceId, weekStart, now, destinations],
    )) as { id: string }[];
    return rows.length;
  }

  async claimDue(now: Date, leaseMs: number, limit: number, claimId: string): Promise<ClaimedDigest[]> {
    const result = await this.ds.query(
      `UPDATE digest_deliveries d
          SET claim_id = $4, claimed_until = $1::timestamptz + ($2 || ' milliseconds')::interval, attempts = d.attempts + 1
        WHERE d.id IN (
          SELECT x.id FROM digest_deliveries x
           WHERE x.state = 'pending' AND x.next_attempt_at <= $1
             AND (x.claimed_until IS NULL OR x.claimed_until <= $1)
           ORDER BY x.next_attempt_at, x.id
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.workspace_id, to_char(d.week_start, 'YYYY-MM-DD') AS week_start, d.destination, d.attempts, d.claim_id`,
      [now, String(leaseMs), limit, claimId],
    );
    type Row = {
      id: string;
      workspace_id: string;
      week_start: string;
      destination: string;
      attempts: number;
      claim_id: string;
    };
    return updatedRows<Row>(result).map((r) => ({
      id: r.id,
      workspaceId: r.workspace_id,
      weekStart: r.week_start,
      destination: r.destination,
      attempts: r.attempts,
      claimId: r.claim_id,
    }));
  }

  async markDelivered(id: string, claimId: string, now: Date): Promise<boolean> {
    const [, affected] = (await this.ds.query(
      `UPDATE digest_deliveries SET state = 'delivered', delivered_at = $3, claimed_until = NULL, last_error = NULL
        WHERE id = $1 AND claim_id = $2 AND state = 'pending'`,
      [id, claimId, now],
    )) as [unknown, number];
    return affected > 0;
  }

  async scheduleRetry(id: string, claimId: string, at: Date, error: string): Promise<boolean> {
    const [, affected] = (await this.ds.query(
      `UPDATE digest_deliveries SET next_attempt_at = $3, last_error = $4, claimed_until = NULL
        WHERE id = $1 AND claim_id = $2 AND state = 'pending'`,
      [id, claimId, at, error.slice(0, 1000)],
    )) as [unknown, number];
    return affected > 0;
  }

  async cancelClaimed(id: string, claimId: string, reason: string): Promise<void> {
    await this.ds.query(
      `UPDATE digest_deliveries SET state = 'cancelled', last_error = $3, claimed_until = NULL
        WHERE id = $1 AND claim_id = $2 AND state = 'pending'`,
      [id, claimId, reason],
    );
  }
}
