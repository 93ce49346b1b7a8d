import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type Route =
  | { kind: 'body'; status: number; contentType: string; body: Buffer }
  | { kind: 'redirect'; location: string }
  | { kind: 'large'; head: string; totalBytes: number };

/**
 * A web server on loopback for link cards: pages with OpenGraph tags, images, redirects, and
 * a large page written chunk by chunk with backpressure, so a test can see how much of it
 * was sent before the reader hung up (`sent`). Listens on 127.0.0.1 and, asked, [::1] too.
 */
export class WebPageFake {
  private readonly routes = new Map<string, Route>();
  /** Bytes written per path, and the paths requested in order. */
  readonly sent = new Map<string, number>();
  readonly requested: string[] = [];
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private base?: string;

  page(path: string, html: string, contentType = 'text/html; charset=utf-8'): this {
    this.routes.set(path, { kind: 'body', status: 200, contentType, body: Buffer.from(html, 'utf8') });
    return this;
  }

  file(path: string, body: Buffer, contentType: string): this {
    this.routes.set(path, { kind: 'body', status: 200, contentType, body });
    return this;
  }

  redirect(path: string, location: string): this {
    this.routes.set(path, { kind: 'redirect', location });
    return this;
  }

  /** `head`, then filler up to `totalBytes`, written in 64 KiB chunks as the reader drains them. */
  largePage(path: string, head: string, totalBytes: number): this {
    this.routes.set(path, { kind: 'large', head, totalBytes });
    return this;
  }

  async start(options: { ipv6?: boolean } = {}): Promise<string> {
    const first = this.listener();
    await new Promise<void>((resolve, reject) => {
      first.once('error', reject);
      first.listen(0, '127.0.0.1', () => resolve());
    });
    this.servers.push(first);
    const { port } = first.address() as AddressInfo;
    if (options.ipv6) {
      const v6 = this.listener();
      await new Promise<void>((resolve, reject) => {
        v6.once('error', reject);
        v6.listen(port, '::1', () => resolve());
      });
      this.servers.push(v6);
    }
    this.base = `http://127.0.0.1:${port}`;
    return this.base;
  }

  get url(): string {
    if (!this.base) throw new Error('WebPageFake is not started');
    return this.base;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.servers = [];
    this.base = undefined;
  }

  private listener(): Server {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      this.requested.push(path);
      const route = this.routes.get(path);
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      if (route.kind === 'redirect') {
        res.writeHead(302, { location: route.location }).end();
        return;
      }
      if (route.kind === 'body') {
        res.writeHead(route.status, { 'content-type': route.contentType, 'content-length': route.body.length });
        res.end(route.body);
        this.sent.set(path, route.body.length);
        return;
      }
      this.stream(path, route, res);
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private stream(path: string, route: Extract<Route, { kind: 'large' }>, res: ServerResponse): void {
    res.on('error', () => undefined);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': route.totalBytes });
    const head = Buffer.from(route.head, 'utf8');
    const filler = Buffer.alloc(64 * 1024, 'x');
    let written = 0;
    const write = (): void => {
      while (written < route.totalBytes && !res.destroyed) {
        const chunk = written === 0 ? head : filler.subarray(0, Math.min(filler.length, route.totalBytes - written));
        written += chunk.length;
        this.sent.set(path, written);
        if (!res.write(chunk)) {
          res.once('drain', write);
          return;
        }
      }
      if (written >= route.totalBytes) res.end();
    };
    write();
  }
}
