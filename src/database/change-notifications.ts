import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseUnavailableError } from './database-errors';
import type { DeadlineClientConfig } from './deadline-client';
import { poolOf } from './pool';

/**
 * The notification channels the database's triggers speak on (migration
 * ChangeNotifications): the payload is the id of the row that changed.
 */
export const CHANGE_CHANNELS = {
  /** A member row was updated (revoked) or deleted; or one of its api tokens was revoked or deleted (payload: the member's id). */
  members: 'palinsesto_members',
  /** A session row was deleted (sign-out, timeout, its user deleted or removed). */
  sessions: 'palinsesto_sessions',
  /** A channel row was updated or deleted, or its plan revision moved (a post of it was written). */
  channels: 'palinsesto_channels',
} as const;

export type ChangeChannel = (typeof CHANGE_CHANNELS)[keyof typeof CHANGE_CHANNELS];

export interface ChangeSubscriber {
  /** A row with this id changed (committed). A TRUNCATE ("*") comes as reset(). */
  changed(id: string): void;
  /** Changes may have been missed (the listening connection was lost or has just come back): forget everything. */
  reset(): void;
}

/**
 * A barrier query that takes longer than the pool's read deadline (DB_TIMEOUT_MS plus a
 * margin; this when the pool has none) means the database gives no answer: the listening
 * connection is replaced, and the callers waiting on it fail as the database being
 * unavailable (503), as their own queries would after the same wait.
 */
const DEFAULT_BARRIER_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 250;
/** Small enough that caches are back within seconds of the database (retries cost a connect attempt). */
const RECONNECT_MAX_MS = 5_000;

/**
 * What other transactions, of this instance or any other, committed: PostgreSQL's
 * LISTEN/NOTIFY on one dedicated connection, so that per-instance caches of small hot rows
 * can answer without a query and still never answer with a row older than the request.
 *
 * `caughtUp()` is that guarantee. It resolves after a query that was sent on the listening
 * connection after the call has come back. A committing transaction queues its
 * notifications and signals the listening sessions before its commit is acknowledged, and
 * PostgreSQL delivers a session's pending notifications before it reports the end of the
 * session's next query; node-postgres hands them to the subscribers as it reads them,
 * before that query's promise settles. So by then every change whose commit was
 * acknowledged before the call has been handed to the subscribers. Callers that arrive
 * while such a query is in flight share the next one: under load one round trip serves many
 * requests, where each would otherwise query the rows themselves.
 *
 * When the connection is down (not yet up, lost), `caughtUp()` answers false and the
 * callers read the database; when its query gets no answer in time, `caughtUp()` rejects
 * with a DatabaseUnavailableError. Subscribers are reset when the connection is lost and
 * again when it is back, so nothing cached before a gap is trusted after it.
 */
@Injectable()
export class ChangeNotifications implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeNotifications.name);
  private readonly subscribers = new Map<ChangeChannel, Set<ChangeSubscriber>>();
  private client: Client | null = null;
  private listening = false;
  private closed = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private outage = false;
  private inFlight: Promise<boolean> | null = null;
  private queued: Promise<boolean> | null = null;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Listens on `channel` for this subscriber (best when the application is built, e.g. in a constructor). */
  subscribe(channel: ChangeChannel, subscriber: ChangeSubscriber): void {
    let set = this.subscribers.get(channel);
    if (set) {
      set.add(subscriber);
      return;
    }
    this.subscribers.set(channel, (set = new Set([subscriber])));
    const client = this.client;
    if (this.listening && client) {
      // A channel first heard of while connected: what it said until LISTEN took effect is
      // unknown to everyone who subscribed to it meanwhile.
      const subscribers = set;
      client.query(`LISTEN ${channel}`).then(
        () => this.reset(subscribers),
        (error: unknown) => this.lost(client, error),
      );
    }
  }

  /** True while the listening connection is up: caches may be filled. */
  get live(): boolean {
    return this.listening && !this.closed;
  }

  /**
   * Resolves true once every change whose commit was acknowledged before this call has
   * reached the subscribers; false when the listening connection is not up (read the
   * database). Rejects with a DatabaseUnavailableError when the database gives no answer.
   */
  caughtUp(): Promise<boolean> {
    if (!this.live) return Promise.resolve(false);
    if (!this.inFlight) return this.barrier();
    if (!this.queued) {
      // The query in flight may have been sent before this call: wait for the next one.
      this.queued = this.inFlight.then(
        () => {
          this.queued = null;
          return this.live ? this.barrier() : false;
        },
        (error: unknown) => {
          this.queued = null;
          throw error;
        },
      );
    }
    return this.queued;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.listening = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private barrier(): Promise<boolean> {
    const client = this.client!;
    const timeoutMs = (poolOf(this.ds).options as DeadlineClientConfig).readDeadlineMs || DEFAULT_BARRIER_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DatabaseUnavailableError(`PostgreSQL gave no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    const done = Promise.race([client.query('SELECT 1'), timeout]).then(
      () => client === this.client && this.live,
      (error: unknown) => {
        this.lost(client, error);
        if (error instanceof DatabaseUnavailableError) throw error;
        return false;
      },
    );
    const inFlight = done.finally(() => {
      clearTimeout(timer);
      if (this.inFlight === inFlight) this.inFlight = null;
    });
    this.inFlight = inFlight;
    return inFlight;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    // The pool's own settings (address, TLS, session options), on a connection of its own.
    const client = new Client({ ...poolOf(this.ds).options, application_name: 'palinsesto-listener', keepAlive: true });
    client.on('notification', (message) => {
      if (client !== this.client || !message.payload) return;
      const subscribers = this.subscribers.get(message.channel as ChangeChannel) ?? new Set();
      if (message.payload === '*') this.reset(subscribers);
      else for (const subscriber of subscribers) this.deliver(() => subscriber.changed(message.payload!));
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    this.client = client;
    try {
      await client.connect();
      for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${channel}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (client !== this.client || this.closed) return;
    // Whatever was committed while no one listened is unknown: start from nothing.
    this.resetAll();
    this.listening = true;
    this.reconnectDelay = RECONNECT_MIN_MS;
    if (this.outage) this.logger.log('Change notifications are back; caches are in use again.');
    this.outage = false;
  }

  private lost(client: Client, error: unknown): void {
    if (client !== this.client || this.closed) return;
    this.listening = false;
    this.client = null;
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    this.resetAll();
    const message = error instanceof Error ? error.message : String(error);
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
    // Once per outage: the reconnection attempts that follow are not news.
    if (!this.outage)
      this.logger.warn(`No change notifications (${message}): caches are bypassed until they are back; reconnecting.`);
    this.outage = true;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private resetAll(): void {
    for (const set of this.subscribers.values()) this.reset(set);
  }

  private reset(subscribers: Iterable<ChangeSubscriber>): void {
    for (const subscriber of subscribers) this.deliver(() => subscriber.reset());
  }

  /** A subscriber that throws must not stop the others, nor the connection's reading. */
  private deliver(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error(`A change subscriber failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
