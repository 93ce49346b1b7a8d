import type { DataSourceOptions, MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { DeadlineClient } from './database/deadline-client';
import { ENTITIES } from './entities';

/** The default of DB_TIMEOUT_MS (config/app-config.ts). */
export const DEFAULT_DB_TIMEOUT_MS = 5_000;

/**
 * How long past the server's statement_timeout the client still waits for an answer. A
 * running server cancels a slow statement itself (57014) and the connection stays; only a
 * server that cannot answer at all (frozen, or cut off) runs into this later deadline.
 */
const READ_DEADLINE_MARGIN_MS = 500;

export interface DataSourceOverrides {
  poolSize: number;
  applicationName: string;
  /** DB_TIMEOUT_MS: pool acquire timeout, statement_timeout, and (plus a margin) the client's read deadline. */
  timeoutMs: number;
}

type MigrationClass = new () => MigrationInterface;

/**
 * A migration that runs without the pool's statement_timeout: a schema change on a large
 * table (an index on a million posts) may take minutes, and it runs at boot, before any
 * request waits on it. SET LOCAL ends with the migration's transaction; a migration that
 * runs outside one (transaction = false) sets it for the session and resets it after.
 */
function withoutStatementTimeout(Migration: MigrationClass): MigrationClass {
  class Unbounded extends Migration {
    override async up(q: QueryRunner): Promise<void> {
      await unbounded(q, () => super.up(q));
    }
    override async down(q: QueryRunner): Promise<void> {
      await unbounded(q, () => super.down(q));
    }
  }
  // TypeORM names a migration by its `name` or, failing that, its class name.
  Object.defineProperty(Unbounded, 'name', { value: Migration.name });
  return Unbounded;
}

async function unbounded(q: QueryRunner, run: () => Promise<unknown>): Promise<void> {
  if (q.isTransactionActive) {
    await q.query('SET LOCAL statement_timeout = 0');
    await run();
    return;
  }
  await q.query('SET statement_timeout = 0');
  try {
    await run();
  } finally {
    await q.query('RESET statement_timeout');
  }
}

export function dataSourceOptions(url: string, overrides: Partial<DataSourceOverrides> = {}): DataSourceOptions {
  const timeoutMs = overrides.timeoutMs ?? DEFAULT_DB_TIMEOUT_MS;
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS.map(withoutStatementTimeout),
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension, no superuser needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Failed queries are reported by the problem-details filter without their parameters,
    // which may hold secrets (webhook URLs, ciphertexts, token hashes): TypeORM logs none.
    logging: false,
    extra: {
      max: overrides.poolSize ?? 20,
      application_name: overrides.applicationName ?? 'palinsesto',
      // Every instant is timestamptz; the session zone only affects how PostgreSQL
      // prints them, and we always read them as JS Dates.
      options: '-c timezone=UTC',
      // A database that is down or frozen turns into fast failures (503 with Retry-After),
      // never into requests that hang: no pool connection within timeoutMs (pg-pool's wait
      // for a free client and a new connection's handshake), no statement longer than
      // timeoutMs (the server cancels it), no answer within timeoutMs + a margin (the
      // client gives the connection up). This pool serves requests and the background jobs,
      // whose statements are all short; migrations lift the limit (above); the feed render
      // worker has a connection and limits of its own (feeds.module.ts).
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      Client: DeadlineClient,
      readDeadlineMs: timeoutMs + READ_DEADLINE_MARGIN_MS,
      // Notices a peer that vanished (host down, connection dropped by the network) on a
      // connection idle in the pool.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    },
  };
}
