import { Injectable, Logger, NestMiddleware, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { DatabaseUnavailableError, describeDatabaseError, isDatabaseUnavailable } from './database-errors';
import { DeadlineClient, type DeadlineClientConfig } from './deadline-client';
import { poolOf } from './pool';

/** How often a reachable database is asked `SELECT 1`. */
const HEARTBEAT_MS = 1_000;
/** Retries while it is unreachable: from this delay, doubling, up to the next one. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 2_000;

/**
 * Whether PostgreSQL can be reached, as one heartbeat connection of this instance sees it:
 * `SELECT 1` every second, with the pool's timeouts (DB_TIMEOUT_MS). A heartbeat that fails
 * at once is tried once more on a fresh connection (a single connection may be cut while the
 * server is fine); one that fails by waiting out a timeout is not: a `SELECT 1` that takes
 * that long means the server cannot serve requests either. While the database is unreachable, API requests
 * answer 503 at once (DatabaseAvailabilityMiddleware) instead of each waiting out the
 * timeouts, and the heartbeat retries every 250 ms to 2 s; the pool and the listening
 * connection reconnect by themselves (new connections per client).
 *
 * One log line per change: "database unreachable: <reason>" and "database back after N s".
 */
@Injectable()
export class DatabaseAvailability implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private client: DeadlineClient | null = null;
  private outage: { since: number } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;
  private closed = false;

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** False from a failed heartbeat until one succeeds again. */
  get available(): boolean {
    return this.outage === null;
  }

  /**
   * True when `error` is the database being unreachable during an outage this instance has
   * already logged: background jobs then skip their own line, each round would repeat it.
   */
  explainedByOutage(error: unknown): boolean {
    return this.outage !== null && isDatabaseUnavailable(error);
  }

  /** Throws a DatabaseUnavailableError (503) while the database is known to be unreachable. */
  assertAvailable(): void {
    if (this.outage) throw new DatabaseUnavailableError('The database cannot be reached.');
  }

  onApplicationBootstrap(): void {
    // The data source connected (and migrated) at boot: the database was reachable then.
    this.schedule(HEARTBEAT_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.drop();
  }

  private schedule(delay: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.beat();
    }, delay);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    let failure: unknown;
    const started = performance.now();
    try {
      await this.ask();
    } catch (error) {
      failure = error;
      await this.drop();
      // A connection that was cut is tried again at once on a new one; one that gave no
      // answer (a deadline or a connection timeout passed) is not: the server is not serving.
      if (this.outage === null && performance.now() - started < HEARTBEAT_MS) {
        try {
          await this.ask();
          failure = undefined;
        } catch (again) {
          failure = again;
          await this.drop();
        }
      }
    }
    if (this.closed) {
      await this.drop();
      return;
    }
    if (failure === undefined) {
      if (this.outage) {
        const seconds = Math.round((performance.now() - this.outage.since) / 1000);
        this.logger.log(`database back after ${seconds} s`);
      }
      this.outage = null;
      this.retryDelay = RETRY_MIN_MS;
      this.schedule(HEARTBEAT_MS);
      return;
    }
    if (!this.outage) {
      this.outage = { since: performance.now() };
      this.logger.error(
        `database unreachable: ${describeDatabaseError(failure)}; API requests answer 503 until it is back`,
      );
    }
    const delay = this.retryDelay;
    this.retryDelay = Math.min(delay * 2, RETRY_MAX_MS);
    this.schedule(delay);
  }

  private async ask(): Promise<void> {
    if (this.closed) throw new Error('shutting down');
    let client = this.client;
    if (!client) {
      // The pool's own settings (address, TLS, timeouts), on a connection of its own.
      const options = poolOf(this.ds).options as DeadlineClientConfig;
      client = new DeadlineClient({ ...options, application_name: 'palinsesto-heartbeat' });
      // Errors of an idle connection show in the next heartbeat's query.
      client.on('error', () => undefined);
      this.client = client;
      await client.connect();
    }
    await client.query('SELECT 1');
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    // end() waits for the server's goodbye, which a frozen server never sends.
    const ended = client.end().catch(() => undefined);
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    await ended;
  }
}

/**
 * Answers API requests with 503 (and Retry-After, from the problem-details filter) while
 * DatabaseAvailability knows the database is unreachable: quick and quiet, where each
 * request would otherwise wait out DB_TIMEOUT_MS and hold a pool slot meanwhile.
 */
@Injectable()
export class DatabaseAvailabilityMiddleware implements NestMiddleware {
  constructor(private readonly availability: DatabaseAvailability) {}

  use(_req: Request, _res: Response, next: NextFunction): void {
    this.availability.assertAvailable();
    next();
  }
}
