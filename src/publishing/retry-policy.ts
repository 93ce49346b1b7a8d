import { PublishError } from './adapters/publish-error';
import type { PublishingOptions } from './publishing.options';

/**
 * What the dispatcher does after a failed attempt: pure, so that every branch has a unit
 * test. No Nest, no I/O; "now" and the random source are parameters.
 */
export type FailureReason = 'missed' | 'rejected' | 'auth_expired' | 'exhausted' | 'channel_archived';

export type AfterFailure =
  | { action: 'retry'; at: Date; delayMs: number; lastError: string }
  | { action: 'fail'; reason: FailureReason; lastError: string };

type RetrySettings = Pick<PublishingOptions, 'maxAttempts' | 'retryBaseMs' | 'retryMaxMs' | 'rateLimitDefaultMs'>;

/** Exponential backoff with jitter: a delay in [exp/2, exp], exp = base * 2^(attempt-1), capped. */
export function backoffMs(
  attempt: number,
  settings: Pick<RetrySettings, 'retryBaseMs' | 'retryMaxMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Anything an adapter throws, as a PublishError (an unexpected error may hide a success). */
export function asPublishError(error: unknown): PublishError {
  if (error instanceof PublishError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new PublishError('unknown_outcome', `Unexpected error while publishing: ${message}`);
}

export function decideAfterFailure(
  error: PublishError,
  attempt: number,
  now: Date,
  settings: RetrySettings,
  random: () => number = Math.random,
): AfterFailure {
  switch (error.kind) {
    case 'rejected':
      // An address the egress guard refused was never sent to: not the platform's refusal.
      return {
        action: 'fail',
        reason: 'rejected',
        lastError: error.addressRefused ? `Not sent: ${error.message}` : `Rejected by the platform: ${error.message}`,
      };
    case 'auth_expired':
      return {
        action: 'fail',
        reason: 'auth_expired',
        lastError: `The platform refused the channel's credentials; reconnect the channel. ${error.message}`,
      };
    case 'rate_limited':
    case 'transient':
    case 'unknown_outcome': {
      if (attempt >= settings.maxAttempts) {
        return {
          action: 'fail',
          reason: 'exhausted',
          lastError: `Gave up after ${attempt} attempts; the last one failed: ${error.message}`,
        };
      }
      const backoff = backoffMs(attempt, settings, random);
      const delayMs =
        error.kind === 'rate_limited'
          ? Math.max(backoff, error.retryAfterMs ?? settings.rateLimitDefaultMs)
          : Math.max(backoff, error.retryAfterMs ?? 0);
      return {
        action: 'retry',
        at: new Date(now.getTime() + delayMs),
        delayMs,
        lastError: `Attempt ${attempt} of ${settings.maxAttempts} failed (${error.kind}), retrying: ${error.message}`,
      };
    }
    default: {
      const unknown: never = error.kind;
      throw new Error(`decideAfterFailure: unknown error kind ${String(unknown)}`);
    }
  }
}

/** Whether a post due at `scheduledAt` is too late to publish at `now`. */
export function isMissed(scheduledAt: Date, now: Date, latenessLimitMinutes: number): boolean {
  return now.getTime() - scheduledAt.getTime() > latenessLimitMinutes * 60_000;
}

export function missedMessage(scheduledAt: Date, now: Date, latenessLimitMinutes: number): string {
  const lateMinutes = Math.floor((now.getTime() - scheduledAt.getTime()) / 60_000);
  return (
    `missed: the post was due at ${scheduledAt.toISOString()} and was ${lateMinutes} minutes late when publishing ` +
    `resumed, beyond the channel's limit of ${latenessLimitMinutes} minutes; it was not published. ` +
    'Reschedule it to publish it.'
  );
}
