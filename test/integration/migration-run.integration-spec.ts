import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { MIGRATIONS } from '../../migrations';
import { runPendingMigrations } from '../../src/migrate';

/** `npm run migration:run` (src/migrate.ts) on an empty database, then on an up-to-date one. */
describe('migration:run', () => {
  const admin = () => new Client({ connectionString: process.env.PALINSESTO_TEST_ADMIN_URL });
  const name = `pt_${process.env.PALINSESTO_TEST_RUN ?? 'local'}_migrate_${randomBytes(4).toString('hex')}`;
  const url = () => {
    const u = new URL(process.env.PALINSESTO_TEST_ADMIN_URL!);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const sql = async <T>(work: (c: Client) => Promise<T>, target = admin()): Promise<T> => {
    await target.connect();
    try {
      return await work(target);
    } finally {
      await target.end();
    }
  };

  beforeAll(() => sql((c) => c.query(`CREATE DATABASE "${name}"`)));
  afterAll(() => sql((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));

  it('runs every migration in order on an empty database, and nothing the second time', async () => {
    const expected = MIGRATIONS.map((m) => m.name);
    expect(await runPendingMigrations(url())).toEqual(expected);
    const { rows } = await sql(
      (c) => c.query<{ name: string }>('SELECT name FROM migrations ORDER BY id'),
      new Client({ connectionString: url() }),
    );
    expect(rows.map((r) => r.name)).toEqual(expected);
    const tables = await sql(
      (c) => c.query(`SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'posts'`),
      new Client({ connectionString: url() }),
    );
    expect(tables.rowCount).toBe(1);
    expect(await runPendingMigrations(url())).toEqual([]);
  });
});
