import type { Platform } from './platform-adapter';
import { PublishError } from './publish-error';

/**
 * Pure pieces of the HTTP layer: turning statuses, headers and network failures into
 * PublishErrors, and keeping secrets out of what they say.
 */

const REDACTED = '[redacted]';
const EXCERPT_LENGTH = 200;

/** Replaces every occurrence of each secret (and any bearer token) by `[redacted]`. */
export function redact(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
  }
  return out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`);
}

/** A short, single-line excerpt of an error body: JSON `message`/`error`, else plain text. */
export function errorExcerpt(body: string, secrets: readonly (string | undefined | null)[] = []): {
  message?: string;
  code?: string;
} {
  const trimmed = body.trim();
  if (trimmed === '') return {};
  let message: string | undefined;
  let code: string | undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const error = typeof record['error'] === 'string' ? record['error'] : undefined;
      const text = [record['message'], record['error_description'], record['detail'], record['title']].find(
        (v): v is string => typeof v === 'string' && v.trim() !== '',
      );
      // XRPC answers {error: 'ExpiredToken', message}; Mastodon answers {error: 'sentence'}.
      if (error && /^[A-Za-z][A-Za-z0-9_]*$/.test(error)) code = error;
      message = text ?? error;
    }
  } catch {
    message = trimmed.replace(/<[^>]*>/g, ' ');
  }
  if (message === undefined) return { code };
  const oneLine = redact(message, secrets).replace(/\s+/g, ' ').trim();
  return {
    code,
    message: oneLine.length > EXCERPT_LENGTH ? `${oneLine.slice(0, EXCERPT_LENGTH - 1)}…` : oneLine || undefined,
  };
}

/**
 * Milliseconds to wait from `Retry-After` (delta-seconds or an HTTP date), falling back to
 * Mastodon's `X-RateLimit-Reset` (ISO instant) and Bluesky's `RateLimit-Reset` (epoch seconds).
 */
export function retryAfterMs(headers: Headers, now: Date): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now.getTime());
  }
  const reset = headers.get('x-ratelimit-reset')?.trim() ?? headers.get('ratelimit-reset')?.trim();
  if (reset) {
    if (/^\d{9,}$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now.getTime());
    if (/^\d+$/.test(reset)) return Number(reset) * 1000; // draft RateLimit-Reset: delta seconds
    const at = Date.parse(reset);
    if (!Number.isNaN(at)) return Math.max(0, at - now.getTime());
  }
  return undefined;
}

export interface StatusContext {
  platform: Platform;
  /** e.g. `mastodon.social`: a host, never a path or query (webhook paths can be secret). */
  host: string;
  status: number;
  statusText: string;
  headers: Headers;
  body: string;
  now: Date;
  secrets?: readonly (string | undefined | null)[];
}

/** The error for a non-2xx answer. */
export function errorForStatus(ctx: StatusContext): PublishError {
  const { platform, host, status } = ctx;
  const { message, code } = errorExcerpt(ctx.body, ctx.secrets);
  const said = message ? `: ${message}` : '';
  const answered = `${platform} (${host}) answered ${status}${ctx.statusText ? ` ${ctx.statusText}` : ''}`;
  const base = { platform, status, platformCode: code };
  if (status === 401 || status === 403) {
    return new PublishError('auth_expired', `${answered}${said}; reconnect the channel's credentials.`, base);
  }
  if (status === 429) {
    const wait = retryAfterMs(ctx.headers, ctx.now);
    return new PublishError('rate_limited', `${answered}: rate limited${message ? ` (${message})` : ''}.`, {
      ...base,
      retryAfterMs: wait,
    });
  }
  if (status >= 500 || status === 408 || status === 425) {
    return new PublishError('transient', `${answered}${said}.`, {
      ...base,
      retryAfterMs: retryAfterMs(ctx.headers, ctx.now),
    });
  }
  if (status >= 300 && status < 400) {
    return new PublishError('rejected', `${answered}: a redirect; point the channel at the final URL.`, base);
  }
  return new PublishError('rejected', `${answered}${said}.`, base);
}

/** Network error codes raised before any byte of the request can have reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

function propertyOf(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}

/** The system/undici error code behind a fetch failure (`fetch failed` wraps it in `cause`). */
export function networkErrorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && !seen.has(current)) {
    seen.add(current);
    const code = propertyOf(current, 'code');
    if (typeof code === 'string' && code !== 'ABORT_ERR') return code;
    const errors = propertyOf(current, 'errors');
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = networkErrorCode(errors[0]);
      if (inner) return inner;
    }
    current = propertyOf(current, 'cause');
  }
  return undefined;
}

export interface NetworkFailureContext {
  platform: Platform;
  host: string;
  /** The request could change state on the platform (a POST that creates something). */
  writes: boolean;
  timeoutMs: number;
  /** The caller's signal was aborted (shutdown, lease lost) rather than our timeout. */
  abortedByCaller: boolean;
}

/** The error for a request that got no complete answer. */
export function errorForNetworkFailure(error: unknown, ctx: NetworkFailureContext): PublishError {
  const { platform, host } = ctx;
  const name = propertyOf(error, 'name');
  const code = networkErrorCode(error);
  const mayHaveArrived = (what: string): PublishError =>
    ctx.writes
      ? new PublishError(
          'unknown_outcome',
          `${platform} (${host}): ${what}; the request may have been received, so it is retried with the same idempotency key.`,
          { platform },
        )
      : new PublishError('transient', `${platform} (${host}): ${what}.`, { platform });

  if (name === 'TimeoutError') return mayHaveArrived(`no answer within ${ctx.timeoutMs} ms`);
  if (ctx.abortedByCaller || name === 'AbortError') return mayHaveArrived('the request was aborted');
  if (code && NOT_SENT_CODES.has(code)) {
    return new PublishError('transient', `${platform} (${host}) could not be reached (${code}).`, { platform });
  }
  return mayHaveArrived(`the connection failed${code ? ` (${code})` : ''}`);
}
