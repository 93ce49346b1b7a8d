import { PublishError } from './adapters/publish-error';
import { asPublishError, backoffMs, decideAfterFailure, isMissed } from './retry-policy';

const settings = { maxAttempts: 5, retryBaseMs: 10_000, retryMaxMs: 60_000, rateLimitDefaultMs: 30_000 };
const now = new Date('2027-01-04T08:00:00Z');

describe('retry policy', () => {
  it('backs off exponentially with jitter in [exp/2, exp], capped', () => {
    expect(backoffMs(1, settings, () => 0)).toBe(5_000);
    expect(backoffMs(1, settings, () => 1)).toBe(10_000);
    expect(backoffMs(3, settings, () => 1)).toBe(40_000);
    expect(backoffMs(9, settings, () => 1)).toBe(60_000);
    expect(backoffMs(9, settings, () => 0)).toBe(30_000);
  });

  it('fails permanent errors at once', () => {
    expect(decideAfterFailure(new PublishError('rejected', 'too long'), 1, now, settings)).toMatchObject({
      action: 'fail',
      reason: 'rejected',
    });
    expect(decideAfterFailure(new PublishError('auth_expired', '401'), 1, now, settings)).toMatchObject({
      action: 'fail',
      reason: 'auth_expired',
    });
  });

  it('retries transient, rate-limited and unknown outcomes until the last attempt', () => {
    for (const kind of ['transient', 'rate_limited', 'unknown_outcome'] as const) {
      expect(decideAfterFailure(new PublishError(kind, 'x'), 4, now, settings, () => 0)).toMatchObject({
        action: 'retry',
      });
      expect(decideAfterFailure(new PublishError(kind, 'x'), 5, now, settings)).toMatchObject({
        action: 'fail',
        reason: 'exhausted',
      });
    }
  });

  it('waits at least Retry-After, and the default pause on a 429 without it', () => {
    const withHeader = decideAfterFailure(
      new PublishError('rate_limited', '429', { retryAfterMs: 120_000 }),
      1,
      now,
      settings,
      () => 0,
    );
    expect(withHeader).toMatchObject({ action: 'retry', delayMs: 120_000, at: new Date(now.getTime() + 120_000) });
    expect(decideAfterFailure(new PublishError('rate_limited', '429'), 1, now, settings, () => 0)).toMatchObject({
      delayMs: 30_000,
    });
    expect(decideAfterFailure(new PublishError('transient', '503'), 1, now, settings, () => 0)).toMatchObject({
      delayMs: 5_000,
    });
  });

  it('treats an unexpected error as an unknown outcome', () => {
    expect(asPublishError(new TypeError('boom'))).toMatchObject({ kind: 'unknown_outcome', retryable: true });
  });

  it('misses a post only beyond the lateness limit', () => {
    const due = new Date(now.getTime() - 360 * 60_000);
    expect(isMissed(due, now, 360)).toBe(false);
    expect(isMissed(new Date(due.getTime() - 1), now, 360)).toBe(true);
  });
});
