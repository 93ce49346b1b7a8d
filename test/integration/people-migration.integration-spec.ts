import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { People1795400400000 } from '../../migrations/1795400400000-people';

/** The people migration on a database with members from before it: each gets an account, by email. */
describe('migration People1795400400000', () => {
  const name = `pt_${process.env.PALINSESTO_TEST_RUN ?? 'local'}_people_${randomBytes(4).toString('hex')}`;
  const url = () => {
    const u = new URL(process.env.PALINSESTO_TEST_ADMIN_URL!);
    u.pathname = `/${name}`;
    return u.toString();
  };
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: process.env.PALINSESTO_TEST_ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  beforeAll(() => admin(`CREATE DATABASE "${name}"`));
  afterAll(() => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));

  it('links every existing member to one account per email (case-insensitive), keeping their api keys', async () => {
    const index = MIGRATIONS.indexOf(People1795400400000);
    const before = new DataSource({ type: 'postgres', url: url(), migrations: MIGRATIONS.slice(0, index) });
    await before.initialize();
    await before.runMigrations();
    const [a] = await before.query(`INSERT INTO workspaces (name, timezone) VALUES ('A', 'UTC') RETURNING id`);
    const [b] = await before.query(`INSERT INTO workspaces (name, timezone) VALUES ('B', 'UTC') RETURNING id`);
    await before.query(
      `INSERT INTO members (workspace_id, name, email, role, api_key_hash) VALUES
       ($1, 'Giulia', 'Giulia@Example.com', 'lead', 'h1'), ($2, 'Giulia R.', 'giulia@example.com', 'editor', 'h2'),
       ($1, 'Marco', 'marco@example.com', 'viewer', 'h3')`,
      [a.id, b.id],
    );
    await before.destroy();
    const after = new DataSource({ type: 'postgres', url: url(), migrations: MIGRATIONS.slice(0, index + 1) });
    await after.initialize();
    try {
      expect((await after.runMigrations()).map((m) => m.name)).toEqual(['People1795400400000']);
      const users = await after.query(`SELECT id, email, name, password_hash FROM users ORDER BY email`);
      expect(users.map((u: { email: string }) => u.email)).toEqual(['giulia@example.com', 'marco@example.com']);
      expect(users.every((u: { password_hash: string | null }) => u.password_hash === null)).toBe(true);
      const members = await after.query(
        `SELECT m.api_key_hash, u.email FROM members m JOIN users u ON u.id = m.user_id ORDER BY m.api_key_hash`,
      );
      expect(members).toEqual([
        { api_key_hash: 'h1', email: 'giulia@example.com' },
        { api_key_hash: 'h2', email: 'giulia@example.com' },
        { api_key_hash: 'h3', email: 'marco@example.com' },
      ]);
    } finally {
      await after.destroy();
    }
  });
});
