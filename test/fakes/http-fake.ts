import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The shared base of the local stand-ins for platform APIs: a real node HTTP server bound
 * to 127.0.0.1 on a free port (and [::1] when asked; never any other address), with knobs to
 * rehearse failures.
 */
/**
 * Timings for specs that rehearse a platform answering too late. The client's timeout is
 * generous, so an ordinary request on a loaded CI machine (2 cores shared by jest workers and
 * PostgreSQL, undici loading on the first fetch) never times out by accident; a late answer
 * comes well after it, so the timeout always fires when a test means it to.
 */
export const TEST_TIMEOUT_MS = 1_500;
export const LATE_ANSWER_MS = 3_000;

export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  text: string;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings as they are. */
  body?: unknown;
}

interface PlannedFailure {
  remaining: number;
  status: number;
  retryAfter?: number | string;
  path?: string;
}

interface PlannedDrop {
  remaining: number;
  afterHandling: boolean;
  path?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** What the fake did: `handled`, `failed <status>` or `dropped`. */
  outcome: string;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export abstract class HttpFake {
  /** Every request received, in order (method, path, what the fake did with it). */
  readonly requests: LoggedRequest[] = [];
  private server?: Server;
  private ipv6Server?: Server;
  private base?: string;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private failures: PlannedFailure[] = [];
  private drops: PlannedDrop[] = [];
  private latency: { ms: number; path?: string } = { ms: 0 };
  private holds: { path?: string; released: Promise<void> }[] = [];

  constructor(options: { latencyMs?: number } = {}) {
    this.latency = { ms: options.latencyMs ?? 0 };
  }

  /**
   * Starts listening on 127.0.0.1:<free port>; resolves with the base URL. With `ipv6`, it
   * listens on [::1] at the same port too (egress tests reach it by every loopback spelling).
   */
  async start(options: { ipv6?: boolean } = {}): Promise<string> {
    if (this.base) return this.base;
    for (let attempt = 0; ; attempt++) {
      const server = this.listener();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      if (options.ipv6) {
        const v6 = this.listener();
        const listening = await new Promise<boolean>((resolve) => {
          v6.once('error', () => resolve(false));
          v6.listen(port, '::1', () => resolve(true));
        });
        if (!listening) {
          await new Promise<void>((resolve) => server.close(() => resolve()));
          if (attempt < 20) continue;
          throw new Error('no port free on both 127.0.0.1 and ::1');
        }
        this.ipv6Server = v6;
      }
      this.server = server;
      this.base = `http://127.0.0.1:${port}`;
      return this.base;
    }
  }

  private listener(): Server {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  /** The port it listens on (on 127.0.0.1, and on [::1] when started with `ipv6`). */
  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const servers = [this.server, this.ipv6Server].filter((s): s is Server => s !== undefined);
    this.server = undefined;
    this.ipv6Server = undefined;
    this.base = undefined;
    for (const socket of this.sockets) socket.destroy();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  get url(): string {
    if (!this.base) throw new Error(`${this.constructor.name} is not started`);
    return this.base;
  }

  /**
   * The next `count` requests (to `path`, when given) are answered with `status` without
   * being handled (nothing is created), with `Retry-After: retryAfter` when given.
   */
  failNext(count: number, status: number, retryAfter?: number | string, path?: string): this {
    this.failures.push({ remaining: count, status, retryAfter, path });
    return this;
  }

  /**
   * The next `count` requests (to `path`) get their connection destroyed without an answer;
   * with `afterHandling` the fake does the work first (the post exists, the answer is lost).
   */
  dropNext(count: number, options: { afterHandling?: boolean; path?: string } = {}): this {
    this.drops.push({ remaining: count, afterHandling: options.afterHandling ?? false, path: options.path });
    return this;
  }

  /**
   * Delays every answer (to `path`) by `ms`, AFTER the request was handled: a client that
   * gives up meanwhile does not know that the work was done.
   */
  setLatency(ms: number, path?: string): this {
    this.latency = { ms, path };
    return this;
  }

  /**
   * Holds the answer to the next request (to `path`) AFTER handling it, until the returned
   * function is called: a slow platform whose timing the test controls, whatever the
   * machine's load. Later requests are answered as usual.
   */
  holdNext(path?: string): () => void {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ path, released });
    return release;
  }

  /** Clears planned failures, drops, latency and holds not yet used. */
  resetFaults(): this {
    this.failures = [];
    this.drops = [];
    this.holds = [];
    this.latency = { ms: 0 };
    return this;
  }

  protected abstract handle(request: FakeRequest): FakeResponse | Promise<FakeResponse>;

  /** The body of a planned failure; platforms override it to speak their error format. */
  protected failureBody(status: number): unknown {
    return { error: status === 429 ? 'Too many requests' : 'Service unavailable' };
  }

  private take<T extends { remaining: number; path?: string }>(plans: T[], path: string): T | undefined {
    const plan = plans.find((p) => p.remaining > 0 && (p.path === undefined || p.path === path));
    if (plan) plan.remaining--;
    return plan;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      text: rawBody.toString('utf8'),
    };
    const log = (outcome: string): void => {
      this.requests.push({ method: request.method, path: request.path, outcome });
    };

    const drop = this.take(this.drops, request.path);
    if (drop && !drop.afterHandling) {
      log('dropped');
      req.socket.destroy();
      return;
    }
    const failure = drop ? undefined : this.take(this.failures, request.path);
    let response: FakeResponse;
    if (failure) {
      log(`failed ${failure.status}`);
      response = {
        status: failure.status,
        headers: failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {},
        body: this.failureBody(failure.status),
      };
    } else {
      try {
        response = await this.handle(request);
      } catch (error) {
        response = { status: 500, body: { error: error instanceof Error ? error.message : 'fake failed' } };
      }
      log(drop ? 'handled, then dropped' : 'handled');
    }
    if (drop) {
      req.socket.destroy();
      return;
    }

    const send = (): void => {
      if (res.destroyed) return;
      const isText = typeof response.body === 'string';
      const payload =
        response.body === undefined ? '' : isText ? (response.body as string) : JSON.stringify(response.body);
      res.writeHead(response.status, {
        'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
        ...response.headers,
      });
      res.end(payload);
    };
    const holdAt = this.holds.findIndex((h) => h.path === undefined || h.path === request.path);
    if (holdAt !== -1) {
      const [hold] = this.holds.splice(holdAt, 1);
      void hold!.released.then(send);
      return;
    }
    const delay = this.latency.path === undefined || this.latency.path === request.path ? this.latency.ms : 0;
    if (delay > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, delay);
      this.timers.add(timer);
    } else {
      send();
    }
  }
}
