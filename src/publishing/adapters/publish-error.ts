import type { Platform } from './platform-adapter';

/**
 * Why a publication failed, as far as the dispatcher needs to know:
 * - `auth_expired`: the platform refused the credentials (401/403); someone must reconnect.
 * - `rate_limited`: 429; try again after `retryAfterMs` when known.
 * - `transient`: the platform is down or answered garbage (5xx, network, bad body).
 * - `rejected`: the platform refused this post (other 4xx, bad credentials shape, too long).
 * - `unknown_outcome`: the request may have reached the platform (timeout, reset after
 *   sending); retrying is safe only with the same idempotency key, which adapters honour.
 */
export type PublishErrorKind = 'auth_expired' | 'rate_limited' | 'transient' | 'rejected' | 'unknown_outcome';

const RETRYABLE: Record<PublishErrorKind, boolean> = {
  auth_expired: false,
  rate_limited: true,
  transient: true,
  rejected: false,
  unknown_outcome: true,
};

export interface PublishErrorOptions {
  platform?: Platform;
  /** HTTP status the platform answered, when it answered. */
  status?: number;
  /** How long to wait before retrying (from Retry-After and the like). */
  retryAfterMs?: number;
  /** The platform's machine-readable error code when it gave one (e.g. `ExpiredToken`). */
  platformCode?: string;
  /**
   * Not the platform's refusal: the egress guard would not connect to the channel's address
   * (loopback, private... and not in EGRESS_ALLOW). Always `rejected`.
   */
  addressRefused?: boolean;
}

/**
 * A typed publishing failure. Messages are written for the person reading `lastError`
 * and never contain credentials, tokens, secret headers or webhook paths, nor anything of a
 * remote answer but the platform's documented error fields (see platformReason).
 */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  readonly retryable: boolean;
  readonly platform?: Platform;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly platformCode?: string;
  readonly addressRefused: boolean;

  constructor(
    readonly kind: PublishErrorKind,
    message: string,
    options: PublishErrorOptions = {},
  ) {
    super(message);
    this.retryable = RETRYABLE[kind];
    this.platform = options.platform;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.platformCode = options.platformCode;
    this.addressRefused = options.addressRefused === true;
  }

  /** A copy with another kind (and message), keeping status, code and platform. */
  withKind(kind: PublishErrorKind, message: string = this.message): PublishError {
    return new PublishError(kind, message, {
      platform: this.platform,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      platformCode: this.platformCode,
      addressRefused: this.addressRefused,
    });
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      kind: this.kind,
      retryable: this.retryable,
      message: this.message,
      platform: this.platform,
      status: this.status,
      retryAfterMs: this.retryAfterMs,
      platformCode: this.platformCode,
      addressRefused: this.addressRefused || undefined,
    };
  }
}

export function isPublishError(error: unknown): error is PublishError {
  return error instanceof PublishError;
}
