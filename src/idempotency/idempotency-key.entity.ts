import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One `Idempotency-Key` of one caller (src/idempotency/idempotency.store.ts). While the first
 * request runs, `response` is null and `locked_until` bounds how long others wait for it;
 * then `response` holds its answer (status, a few headers, body), encrypted with the
 * credentials cipher: answers may hold secrets shown once (an api key, a feed url).
 */
@Entity({ name: 'idempotency_keys' })
@Index('idempotency_keys_expires_at', ['expiresAt'])
export class IdempotencyKeyEntity {
  /** Whose key: `member:<member id>` (the api key's holder). */
  @PrimaryColumn({ type: 'text' })
  scope: string;

  @PrimaryColumn({ type: 'text' })
  key: string;

  /** SHA-256 (hex) of the method, the path and the canonical JSON of the body. */
  @Column({ type: 'text' })
  fingerprint: string;

  @Column({ type: 'text', nullable: true })
  response: string | null;

  @Column({ name: 'locked_until', type: 'timestamptz', precision: 3, nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt: Date;
}
