import { Client, type ClientConfig } from 'pg';
import { DatabaseUnavailableError } from './database-errors';

export interface DeadlineClientConfig extends ClientConfig {
  /**
   * Longest wait for the answer to one query, on the client's side (0: none). Set it above
   * the server's statement_timeout: a running server cancels a slow statement itself and
   * the connection stays usable; this deadline is for a server that cannot answer at all
   * (frozen, or cut off without a reset), which no server-side timer and no TCP keepalive
   * notices: the kernel keeps acknowledging a stopped process's socket.
   */
  readDeadlineMs?: number;
}

type Callback = (error: Error | null, result?: unknown) => void;

/**
 * A node-postgres Client whose queries have a deadline. When it passes, the connection is
 * destroyed: the query fails with a DatabaseUnavailableError, the pool drops the client
 * (its 'error' event), and no later query queues behind the one that never came back.
 * (pg's own `query_timeout` fails the caller but keeps the connection, busy with the lost
 * query, in the pool.) Cursors and streams (Submittable) keep their own pace.
 */
export class DeadlineClient extends Client {
  private readonly deadlineMs: number;
  private abandoned: DatabaseUnavailableError | undefined;

  constructor(config: DeadlineClientConfig | string = {}) {
    super(config);
    this.deadlineMs = typeof config === 'string' ? 0 : (config.readDeadlineMs ?? 0);
  }

  // One signature for pg's overloads: (text | config, values?, callback?).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pg's own overloads are typed with any
  override query(...args: any[]): any {
    const first = args[0] as { submit?: unknown } | undefined;
    if (!this.deadlineMs || (first && typeof first === 'object' && typeof first.submit === 'function')) {
      return (Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
    }
    const timer = setTimeout(() => this.abandon(), this.deadlineMs);
    const settle = (error: unknown): unknown => {
      clearTimeout(timer);
      return error && this.abandoned ? new DatabaseUnavailableError(this.abandoned.message, { cause: error }) : error;
    };
    const at = args.findIndex((a) => typeof a === 'function');
    if (at >= 0) {
      const callback = args[at] as Callback;
      args[at] = (error: Error | null, result?: unknown) => callback(settle(error) as Error | null, result);
      return (Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
    }
    return (Client.prototype.query as (...a: unknown[]) => Promise<unknown>).apply(this, args).then(
      (result) => {
        settle(null);
        return result;
      },
      (error: unknown) => {
        throw settle(error);
      },
    );
  }

  private abandon(): void {
    if (this.abandoned) return;
    this.abandoned = new DatabaseUnavailableError(`PostgreSQL gave no answer within ${this.deadlineMs} ms`);
    // What pg itself does on a connection timeout: the socket goes (with this error, which
    // the client's 'error' event and its queries report), every query on it fails.
    (this as unknown as { connection?: { stream?: { destroy(error?: Error): void } } }).connection?.stream?.destroy(
      this.abandoned,
    );
  }
}
