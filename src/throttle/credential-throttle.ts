import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { addressKey } from './client-address';
import { RateLimiter, type RateVerdict } from './rate-limiter';
import { type CredentialKind, ThrottleMetrics } from './throttle.metrics';

const WINDOW_MS = 60_000;

const WHAT: Record<CredentialKind, string> = { api_key: 'wrong api keys', feed_token: 'unknown feed urls' };

/**
 * Wrong credentials per client address: every wrong api key or feed token is counted, and
 * an address beyond AUTH_FAILURES_PER_MINUTE (a sliding minute, across instances) is
 * answered 429 instead of 401/404. A right credential is never counted nor refused: it
 * cannot be guessed (256 bits), and a team sharing an address (an office, a calendar
 * service fetching for many people) with a misconfigured client keeps working. So a
 * valid key pays nothing here, not even a read.
 */
@Injectable()
export class CredentialThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly metrics: ThrottleMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts a wrong credential from `ip`; refused: the address is over its limit. */
  async failed(kind: CredentialKind, ip: string | undefined): Promise<RateVerdict> {
    this.metrics.failures.inc({ kind });
    const key = `${kind}:${addressKey(ip)}`;
    const known = this.limiter.blockedFor(key);
    const verdict =
      known > 0
        ? { allowed: false, retryAfterSeconds: Math.ceil(known / 1000) }
        : await this.limiter.hit(key, this.config.authFailuresPerMinute, WINDOW_MS);
    if (!verdict.allowed) this.metrics.refused.inc({ kind });
    return verdict;
  }

  /**
   * After a wrong credential: the 429 to throw when the address is over its limit (with
   * Retry-After set on `res`), or null when the caller answers as usual (401, 404).
   */
  async refusal(kind: CredentialKind, ip: string | undefined, res: Response): Promise<DomainError | null> {
    const verdict = await this.failed(kind, ip);
    if (verdict.allowed) return null;
    res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
    return new DomainError(
      ErrorCode.RateLimited,
      `Too many ${WHAT[kind]} from your address; try again in ${verdict.retryAfterSeconds} s.`,
      {
        retryAfter: verdict.retryAfterSeconds,
      },
    );
  }
}
