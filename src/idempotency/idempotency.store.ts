import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { CredentialsCipher } from '../channels/credentials.cipher';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/domain-error';
import { IdempotencyRepository } from './idempotency.repository';

/** What a repeat answers: the first answer's status, a few of its headers, its body. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type Begin =
  /** This request holds the key: run it, then finish() or abandon() with this claim. */
  | { kind: 'run'; claim: Claim }
  /** A request with this key and body was answered: answer the same. */
  | { kind: 'replay'; answer: StoredAnswer };

export interface Claim {
  scope: string;
  key: string;
  lockedUntil: Date;
}

export const KEY_TTL_MS = 24 * 3_600_000;
/** How long the first request holds a key before another may take it (its instance died). */
export const LOCK_MS = 30_000;
/** How long a repeat waits for the first request to finish before answering 409. */
const WAIT_MS = 5_000;
const POLL_MS = 25;
const SWEEP_EVERY_MS = 10 * 60_000;
const SWEEP_BATCH = 1000;

/**
 * Idempotency keys in PostgreSQL, so that every instance honours them: the first request
 * with a key claims it (a row, with a lock), runs, and keeps its answer; a repeat with the
 * same key and fingerprint answers that answer, waiting up to 5 s while the first still
 * runs (then 409 with Retry-After); another fingerprint under the key is a 422. A failed
 * request (any error: it created nothing) frees the key, so a repeat runs again. Answers
 * are encrypted (AES-256-GCM, SECRET_KEY, bound to the scope and key): some hold secrets
 * shown once, which a repeat by the same caller gets again but a database reader does not.
 *
 * Not exactly-once: an instance that dies between committing the create and keeping the
 * answer (a few milliseconds) leaves a locked key, which a repeat after LOCK_MS runs again.
 */
@Injectable()
export class IdempotencyStore {
  private readonly logger = new Logger('Idempotency');
  private lastSweep = 0;

  constructor(
    private readonly keys: IdempotencyRepository,
    private readonly cipher: CredentialsCipher,
    private readonly clock: Clock,
  ) {}

  async begin(scope: string, key: string, fingerprint: string): Promise<Begin> {
    for (let waited = 0; ; waited += POLL_MS) {
      const now = this.clock.now();
      const lockedUntil = new Date(now.getTime() + LOCK_MS);
      if (await this.keys.claim(scope, key, fingerprint, now, lockedUntil, new Date(now.getTime() + KEY_TTL_MS))) {
        this.sweepNowAndThen(now);
        return { kind: 'run', claim: { scope, key, lockedUntil } };
      }
      const row = await this.keys.find(scope, key);
      if (!row) continue; // freed in between (the first request failed): claim it
      if (row.fingerprint !== fingerprint) {
        throw new DomainError(
          ErrorCode.Unprocessable,
          'This Idempotency-Key was already used with another request (another path or body) in the last 24 hours; use a new key for a new request.',
          { errors: [{ field: 'Idempotency-Key', message: 'was used with another request' }] },
        );
      }
      if (row.response !== null) return { kind: 'replay', answer: this.open(row.response, scope, key) };
      if (waited >= WAIT_MS) {
        throw new DomainError(
          ErrorCode.Conflict,
          'A request with this Idempotency-Key is still being processed; repeat it in a moment to get its answer.',
          {
            retryAfter: 1,
          },
        );
      }
      await sleep(POLL_MS);
    }
  }

  /** Keeps the answer for repeats. */
  async finish(claim: Claim, answer: StoredAnswer): Promise<void> {
    const sealed = this.cipher.encrypt({ ...answer }, aadOf(claim.scope, claim.key));
    await this.keys.complete(claim.scope, claim.key, claim.lockedUntil, sealed);
  }

  /** Frees the key after a failed request. */
  async abandon(claim: Claim): Promise<void> {
    await this.keys.release(claim.scope, claim.key, claim.lockedUntil);
  }

  private open(sealed: string, scope: string, key: string): StoredAnswer {
    return this.cipher.decrypt(sealed, aadOf(scope, key)) as unknown as StoredAnswer;
  }

  /** Expired keys are taken over when reused and swept now and then; no job needed. */
  private sweepNowAndThen(now: Date): void {
    if (now.getTime() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now.getTime();
    this.keys
      .sweep(now, SWEEP_BATCH)
      .catch((error: unknown) => this.logger.warn(`Sweeping idempotency keys failed: ${(error as Error).message}`));
  }
}

/** The ciphertext is bound to its row: copied under another caller or key, it does not decrypt. */
function aadOf(scope: string, key: string): string {
  return `idempotency:${scope}:${key}`;
}
