import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One rate-limited key's count (src/throttle/rate-limiter.ts): hits in the current fixed
 * window and in the one before it, from which the sliding-window estimate is computed.
 * Shared by every instance; rows are short-lived (`expires_at`, two windows after the
 * window started) and swept lazily. The table is UNLOGGED (migration Throttling): counters
 * are not worth a WAL write per refused request, and a crash only resets them.
 */
@Entity({ name: 'throttle_counters' })
@Index('throttle_counters_expires_at', ['expiresAt'])
export class ThrottleCounterEntity {
  /** `<what>:<who>`, e.g. `api_key:203.0.113.7`; one key is always counted with the same window. */
  @PrimaryColumn({ type: 'text' })
  key: string;

  @Column({ name: 'window_start', type: 'timestamptz', precision: 3 })
  windowStart: Date;

  @Column({ type: 'integer' })
  hits: number;

  @Column({ name: 'previous_hits', type: 'integer', default: 0 })
  previousHits: number;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt: Date;
}
