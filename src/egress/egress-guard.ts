import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { Inject, Injectable, Logger, type OnModuleDestroy, Optional } from '@nestjs/common';
import { Agent, buildConnector, fetch, type Response } from 'undici';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AllowList, judgeAddress, type AddressVerdict } from './address-policy';
import { EgressRefusedError } from './egress-refused.error';

/**
 * Injection token of an {@link EgressResolver}; optional, the system resolver by default.
 * Tests give one that maps made-up names, to prove that the address checked is the address
 * connected to.
 */
export const EGRESS_RESOLVER = 'EGRESS_RESOLVER';

/** Every address a name resolves to (as `dns.lookup(name, {all: true})`). */
export type EgressResolver = (hostname: string) => Promise<LookupAddress[]>;

/** dns.lookup, all addresses: what the system's resolver (hosts file, DNS) says. */
export const systemResolver: EgressResolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );

/** How long a save-time check waits for DNS before leaving the decision to send time. */
const SAVE_TIME_LOOKUP_MS = 3_000;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers that must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export interface EgressRequest {
  method?: string;
  headers?: Record<string, string>;
  /** An async iterable is streamed (chunked, or with the caller's content-length); never redirected. */
  body?: string | Uint8Array | URLSearchParams | AsyncIterable<Uint8Array>;
  signal?: AbortSignal;
  /**
   * Redirects to follow (GET and HEAD only; default 0: a 3xx answer is returned as it is).
   * Every hop is checked like the first; credentials are dropped when the origin changes.
   */
  maxRedirects?: number;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The one way out to an address a tenant gave (webhooks, Mastodon instances, Bluesky
 * services, alert webhooks; later media imports and link cards). Every connection goes
 * through one undici Agent whose connector resolves the name once, refuses it unless every
 * address is public or in EGRESS_ALLOW (see address-policy.ts), and connects to exactly the
 * addresses it checked: no second lookup, so DNS rebinding between check and connect cannot
 * happen. IP literals are judged before connecting; the socket's remote address is judged
 * again once connected. A refused connection is logged once, with the host only.
 */
@Injectable()
export class EgressGuard implements OnModuleDestroy {
  private readonly logger = new Logger('Egress');
  private readonly allow: AllowList;
  private readonly resolver: EgressResolver;
  private readonly agent: Agent;

  constructor(
    /** Without configuration (a module tested alone), nothing but public addresses. */
    @Optional() @Inject(APP_CONFIG) config?: Pick<AppConfig, 'egressAllow'> | null,
    @Optional() @Inject(EGRESS_RESOLVER) resolver?: EgressResolver | null,
  ) {
    this.allow = new AllowList(config?.egressAllow ?? []);
    this.resolver = resolver ?? systemResolver;
    const connectChecked = buildConnector({
      lookup: (hostname: string, options: LookupOptions, callback: LookupCallback) =>
        this.lookup(hostname, options, callback),
    } as buildConnector.BuildOptions);
    this.agent = new Agent({
      connect: (options, callback) => {
        const host = options.hostname.replace(/^\[(.*)\]$/, '$1');
        if (isIP(host)) {
          const verdict = judgeAddress(host, this.allow);
          if (!verdict.allowed) return callback(this.refused(displayHost(host), verdict), null);
        }
        connectChecked(options, (...result) => {
          const [error, socket] = result;
          if (error) return callback(error, null);
          const verdict = judgeAddress((socket as Socket).remoteAddress ?? '', this.allow);
          if (!verdict.allowed) {
            socket.destroy();
            return callback(this.refused(displayHost(host), verdict), null);
          }
          callback(null, socket);
        });
      },
    });
  }

  /** Whether `address` (an IP literal) may be connected to. */
  judge(address: string): AddressVerdict {
    return judgeAddress(address, this.allow);
  }

  /**
   * The check when a tenant saves an address: resolves the URL's host and throws
   * EgressRefusedError when it is or resolves to an address that is not allowed. A name that
   * does not resolve now is accepted: the check at send time decides then.
   */
  async assertAllowed(url: string | URL): Promise<void> {
    const parsed = typeof url === 'string' ? new URL(url) : url;
    const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host)) {
      const verdict = this.judge(host);
      if (!verdict.allowed) throw new EgressRefusedError(displayHost(host), verdict.address, verdict.range);
      return;
    }
    let addresses: LookupAddress[];
    try {
      addresses = await withTimeout(this.resolver(host), SAVE_TIME_LOOKUP_MS);
    } catch {
      return;
    }
    const refused = addresses.map((a) => this.judge(a.address)).find((v) => !v.allowed);
    if (refused) throw new EgressRefusedError(host, refused.address, refused.range);
  }

  /**
   * fetch through the guard (undici's, with redirects never followed by undici itself).
   * Rejects like fetch; a refused address rejects with a TypeError whose `cause` is an
   * EgressRefusedError (see egressRefusal()).
   */
  async fetch(url: string | URL, request: EgressRequest = {}): Promise<Response> {
    const method = (request.method ?? 'GET').toUpperCase();
    const follow = method === 'GET' || method === 'HEAD' ? Math.max(0, request.maxRedirects ?? 0) : 0;
    let current = typeof url === 'string' ? new URL(url) : url;
    let headers = { ...request.headers };
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        throw new TypeError('fetch failed', {
          cause: new EgressRefusedError(displayHost(current.hostname), '', `scheme ${current.protocol}`),
        });
      }
      const response = await fetch(current, {
        method,
        headers,
        body: request.body,
        signal: request.signal,
        redirect: 'manual',
        ...(isStream(request.body) ? { duplex: 'half' as const } : {}),
        dispatcher: this.agent,
      });
      const location = response.headers.get('location');
      if (hop >= follow || !REDIRECT_STATUSES.has(response.status) || !location) return response;
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        return response;
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return response;
      await response.body?.cancel().catch(() => undefined);
      if (next.origin !== current.origin) {
        headers = Object.fromEntries(
          Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.includes(name.toLowerCase())),
        );
      }
      current = next;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }

  private lookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    this.resolver(hostname).then(
      (addresses) => {
        const family =
          options.family === 4 || options.family === 'IPv4'
            ? 4
            : options.family === 6 || options.family === 'IPv6'
              ? 6
              : 0;
        const candidates = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        if (candidates.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          return callback(error, '');
        }
        // One refused address refuses the name: the connection may be made to any of them.
        const refused = candidates.map((a) => this.judge(a.address)).find((v) => !v.allowed);
        if (refused) return callback(this.refused(hostname, refused), '');
        if (options.all) return callback(null, candidates);
        callback(null, candidates[0]!.address, candidates[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  }

  private refused(host: string, verdict: AddressVerdict): EgressRefusedError {
    this.logger.warn(
      `Refused a connection to ${host} (${verdict.address}, ${verdict.range}): not public and not in EGRESS_ALLOW`,
    );
    return new EgressRefusedError(host, verdict.address, verdict.range);
  }
}

function isStream(body: EgressRequest['body']): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body;
}

/** A hostname as a URL writes it: IPv6 literals in brackets. */
function displayHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
