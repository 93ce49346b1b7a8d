import { STATUS_CODES } from 'node:http';
import type { Platform } from './platform-adapter';
import { egressRefusal } from '../../egress/egress-refused.error';
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

/**
 * The platform's own reason for refusing a request, from its documented error fields only:
 * Mastodon's `{"error": "...", "error_description"?: "..."}` and Bluesky's XRPC
 * `{"error": "InvalidRequest", "message": "..."}` (the message only with an XRPC code).
 * Nothing else of a remote body is ever quoted: not from a webhook or an unknown endpoint,
 * not plain text or HTML, not other JSON members, and not from a 5xx answer (an internal
 * error page is the server's business, and where a forged "platform" is an internal service,
 * the body is what an attacker is after). One line, secrets redacted, at most 200 characters.
 */
export function platformReason(
  platform: Platform,
  status: number,
  body: string,
  secrets: readonly (string | undefined | null)[] = [],
): { message?: string; code?: string } {
  if (status >= 500 || (platform !== 'mastodon' && platform !== 'bluesky')) return {};
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    record = parsed as Record<string, unknown>;
  } catch {
    return {};
  }
  const text = (key: string): string | undefined => {
    const value = record[key];
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  let code: string | undefined;
  let message: string | undefined;
  if (platform === 'bluesky') {
    const error = text('error');
    if (!error || !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(error)) return {};
    code = error;
    message = text('message') ?? error;
  } else {
    const error = text('error');
    const description = text('error_description');
    message = error && description ? `${error}: ${description}` : (error ?? description);
  }
  if (message === undefined) return { code };
  return { code, message: shortLine(redact(message, secrets)) };
}

/** One line of printable text, at most EXCERPT_LENGTH characters. */
function shortLine(text: string): string | undefined {
  const oneLine = text
    // eslint-disable-next-line no-control-regex -- control characters are what it removes
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (oneLine === '') return undefined;
  return oneLine.length > EXCERPT_LENGTH ? `${oneLine.slice(0, EXCERPT_LENGTH - 1)}…` : oneLine;
}

/** What the mapping reads of response headers (fetch's Headers, undici's or the global one). */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Milliseconds to wait from `Retry-After` (delta-seconds or an HTTP date), falling back to
 * Mastodon's `X-RateLimit-Reset` (ISO instant) and Bluesky's `RateLimit-Reset` (epoch seconds).
 */
export function retryAfterMs(headers: HeaderReader, now: Date): number | undefined {
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
  headers: HeaderReader;
  /** The raw body: only the platform's documented error fields are ever quoted (platformReason). */
  body: string;
  now: Date;
  secrets?: readonly (string | undefined | null)[];
}

/** The error for a non-2xx answer. */
export function errorForStatus(ctx: StatusContext): PublishError {
  const { platform, host, status } = ctx;
  const { message, code } = platformReason(platform, status, ctx.body, ctx.secrets);
  const said = message ? `: ${message}` : '';
  // The standard reason phrase, never the server's own (it is remote text like the body).
  const phrase = STATUS_CODES[status];
  const answered = `${platform} (${host}) answered ${status}${phrase ? ` ${phrase}` : ''}`;
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
  /** The credentials field the address came from (`url`, `instanceUrl`, `service`), for the message. */
  addressField?: string;
}

/**
 * The error for a request that got no complete answer. An address the egress guard refused
 * is `rejected` (permanent: retrying cannot help until the channel changes). Every other
 * failure reads the same whatever happened on the wire (refused, reset, timeout, TLS, DNS):
 * the text must not tell a tenant which ports of a host are open. A write that got no answer
 * is `unknown_outcome` (retried with the same idempotency key, which is always safe), a read
 * `transient`. The code behind it goes to the debug log (networkErrorCode), not to tenants.
 */
export function errorForNetworkFailure(error: unknown, ctx: NetworkFailureContext): PublishError {
  const { platform, host } = ctx;
  const refused = egressRefusal(error);
  if (refused) {
    const field = ctx.addressField ? ` (credentials.${ctx.addressField})` : '';
    return new PublishError('rejected', `${platform}: ${refused.message}${field}.`, { platform, addressRefused: true });
  }
  const mayHaveArrived = (what: string): PublishError =>
    ctx.writes
      ? new PublishError(
          'unknown_outcome',
          `${platform} (${host}): ${what}; the request may have been received, so it is retried with the same idempotency key.`,
          { platform },
        )
      : new PublishError('transient', `${platform} (${host}): ${what}.`, { platform });

  if (ctx.abortedByCaller) return mayHaveArrived('the request was aborted');
  return mayHaveArrived(`could not connect to ${host}, or it did not answer within ${ctx.timeoutMs} ms`);
}
