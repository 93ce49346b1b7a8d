import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock, SystemClock } from '../../common/clock';
import { EgressGuard } from '../../egress/egress-guard';
import type { Platform } from './platform-adapter';
import { PublishError } from './publish-error';
import {
  errorForNetworkFailure,
  errorForStatus,
  type HeaderReader,
  networkErrorCode,
  redact,
} from './http-error-mapping';

/** Injection token for {@link PublishHttpOptions}; optional. */
export const PUBLISH_HTTP_OPTIONS = 'PUBLISH_HTTP_OPTIONS';

export interface PublishHttpOptions {
  /** Per-request timeout in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** User-Agent sent to platforms. */
  userAgent?: string;
  /**
   * Longest wait, in milliseconds, for a platform to finish processing an uploaded file
   * (Mastodon's 202 -> 206 -> 200, Bluesky's video job) before the attempt fails as
   * transient (default 60 000). Polls back off from `mediaPollIntervalMs` (default 500) to 5 s.
   */
  mediaProcessingTimeoutMs?: number;
  mediaPollIntervalMs?: number;
  /** Most bytes of a link card's page read (default 1 MiB) and its time limit (default 5 000 ms). */
  linkCardMaxBytes?: number;
  linkCardTimeoutMs?: number;
}

export const DEFAULT_PUBLISH_TIMEOUT_MS = 10_000;

/** What the adapters' media steps read of {@link PublishHttpOptions}, defaults filled in. */
export interface MediaHttpSettings {
  processingTimeoutMs: number;
  pollIntervalMs: number;
  linkCardMaxBytes: number;
  linkCardTimeoutMs: number;
}

export const DEFAULT_MEDIA_HTTP_SETTINGS: MediaHttpSettings = {
  processingTimeoutMs: 60_000,
  pollIntervalMs: 500,
  linkCardMaxBytes: 1024 * 1024,
  linkCardTimeoutMs: 5_000,
};

export interface HttpCall {
  platform: Platform;
  method: 'GET' | 'POST';
  url: URL | string;
  headers?: Record<string, string>;
  /** Sent as `application/json` (serialized once). */
  json?: unknown;
  /** Sent as is (the caller sets content-type); takes precedence over `json`. An async iterable is streamed. */
  body?: string | Uint8Array | URLSearchParams | AsyncIterable<Uint8Array>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Values that must never appear in an error message (tokens, passwords, secrets). */
  secrets?: readonly (string | undefined | null)[];
  /** The credentials field the URL's address comes from (`instanceUrl`...), named when it is refused. */
  addressField?: string;
  /**
   * Whether the call can create something on the platform. Decides whether a timeout or
   * reset is `unknown_outcome` (true) or `transient` (false). Default: `method !== 'GET'`.
   */
  writes?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: HeaderReader;
  /** The raw body text ('' when empty). */
  text: string;
}

export interface HttpJsonAnswer<T> extends HttpAnswer {
  body: T;
}

/**
 * The one HTTP layer of the adapters: fetch through the egress guard (every platform address
 * is tenant-given: see src/egress/), with a per-request timeout, redirects never followed, and
 * every way a call can go wrong turned into a typed PublishError (see http-error-mapping.ts).
 * Headers are never logged or put in errors; logs carry method, origin, status and time.
 */
@Injectable()
export class PublishHttpClient {
  private readonly logger = new Logger(PublishHttpClient.name);
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly clock: Clock;
  /** The media settings (processing wait, link card limits) the adapters use. */
  readonly media: MediaHttpSettings;

  constructor(
    @Optional() @Inject(PUBLISH_HTTP_OPTIONS) options: PublishHttpOptions | null | undefined,
    @Optional() @Inject(Clock) clock: Clock | null | undefined,
    private readonly egress: EgressGuard,
  ) {
    this.timeoutMs = options?.timeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    this.userAgent = options?.userAgent ?? 'Palinsesto/0.1 (+publishing)';
    this.clock = clock ?? new SystemClock();
    this.media = {
      processingTimeoutMs: options?.mediaProcessingTimeoutMs ?? DEFAULT_MEDIA_HTTP_SETTINGS.processingTimeoutMs,
      pollIntervalMs: options?.mediaPollIntervalMs ?? DEFAULT_MEDIA_HTTP_SETTINGS.pollIntervalMs,
      linkCardMaxBytes: options?.linkCardMaxBytes ?? DEFAULT_MEDIA_HTTP_SETTINGS.linkCardMaxBytes,
      linkCardTimeoutMs: options?.linkCardTimeoutMs ?? DEFAULT_MEDIA_HTTP_SETTINGS.linkCardTimeoutMs,
    };
    if (!(this.timeoutMs > 0)) throw new Error('PublishHttpClient: timeoutMs must be positive');
  }

  /** Sends the call; any 2xx resolves with the raw answer, anything else throws PublishError. */
  async request(call: HttpCall): Promise<HttpAnswer> {
    const url = typeof call.url === 'string' ? new URL(call.url) : call.url;
    const host = url.host;
    const writes = call.writes ?? call.method !== 'GET';
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;

    if (call.signal?.aborted) {
      throw new PublishError('transient', `${call.platform} (${host}): aborted before sending.`, {
        platform: call.platform,
      });
    }

    const headers: Record<string, string> = {
      'user-agent': this.userAgent,
      accept: 'application/json',
      ...call.headers,
    };
    let body: HttpCall['body'] = call.body;
    if (body === undefined && call.json !== undefined) {
      body = JSON.stringify(call.json);
      headers['content-type'] ??= 'application/json';
    }

    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;
    const started = performance.now();
    const failure = (error: unknown): PublishError =>
      errorForNetworkFailure(error, {
        platform: call.platform,
        host,
        writes,
        timeoutMs,
        abortedByCaller: call.signal?.aborted === true && !timeout.aborted,
        addressField: call.addressField,
      });

    let response: Awaited<ReturnType<EgressGuard['fetch']>>;
    try {
      response = await this.egress.fetch(url, { method: call.method, headers, body, signal });
    } catch (error) {
      const mapped = failure(error);
      this.log(
        call.method,
        url,
        `failed: ${mapped.kind} (${networkErrorCode(error) ?? (error as Error).name})`,
        started,
      );
      throw mapped;
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      // The status line arrived but the body did not: for a write, the platform acted.
      const mapped = failure(error);
      this.log(call.method, url, `${response.status}, body lost: ${mapped.kind}`, started);
      throw mapped;
    }
    this.log(call.method, url, String(response.status), started);

    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, headers: response.headers, text };
    }
    throw errorForStatus({
      platform: call.platform,
      host,
      status: response.status,
      headers: response.headers,
      body: text,
      now: this.clock.now(),
      secrets: call.secrets,
    });
  }

  /**
   * Sends the call and parses a 2xx body as JSON, then through `parse` (which returns
   * undefined when the shape is not the expected one). A 2xx without the expected JSON is
   * `transient`: the platform is misbehaving, and adapters retry idempotently.
   */
  async requestJson<T>(call: HttpCall, parse: (body: unknown) => T | undefined): Promise<HttpJsonAnswer<T>> {
    const answer = await this.request(call);
    let parsed: T | undefined;
    try {
      parsed = parse(JSON.parse(answer.text) as unknown);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined) {
      const host = (typeof call.url === 'string' ? new URL(call.url) : call.url).host;
      throw new PublishError(
        'transient',
        `${call.platform} (${host}) answered ${answer.status} without the expected JSON body.`,
        { platform: call.platform, status: answer.status },
      );
    }
    return { ...answer, body: parsed };
  }

  /**
   * The timeout for sending `bytes`: the per-request timeout plus one second per 100 kB (a
   * 100 MB video may take 17 minutes at the slowest rate still accepted).
   */
  uploadTimeoutMs(bytes: number): number {
    return this.timeoutMs + Math.ceil(bytes / 100);
  }

  /** The guard every request goes through (link cards read pages through it too). */
  get egressGuard(): EgressGuard {
    return this.egress;
  }

  private log(method: string, url: URL, outcome: string, started: number): void {
    // Origin only: paths of webhooks and query strings can carry secrets.
    this.logger.debug(redact(`${method} ${url.origin} -> ${outcome} (${Math.round(performance.now() - started)} ms)`));
  }
}
