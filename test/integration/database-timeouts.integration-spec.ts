import { Client, Pool } from 'pg';
import { DatabaseAvailability } from '../../src/database/database-availability';
import { DatabaseUnavailableError } from '../../src/database/database-errors';
import { DeadlineClient } from '../../src/database/deadline-client';
import { auth, seedWorkspace } from '../support/fixtures';
import { createTestApp, TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

// DB_TIMEOUT_MS against a real PostgreSQL that is up but does not answer in time: a
// statement stuck behind a lock becomes a 503 problem (the server cancels it), and a query
// whose answer never comes gives its connection up (the client's deadline).
describe('DB_TIMEOUT_MS', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { dbTimeoutMs: 1_000 } });
  });
  afterAll(() => t.close());

  it('answers 503 with Retry-After when a statement waits longer, and 200 once it need not', async () => {
    const { lead } = await seedWorkspace(t);
    await t.http.get(`/v1/workspaces/${lead.workspaceId}`).set(auth(lead.key)).expect(200);
    const locker = new Client({ connectionString: (t.db.options as { url: string }).url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const res = await t.http.get(`/v1/workspaces/${lead.workspaceId}`).set(auth(lead.key)).expect(503);
      expect(performance.now() - started).toBeLessThan(1_000 + 2_500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({
        status: 503,
        type: 'https://palinsesto.dev/problems/database_unavailable',
        title: 'Service Unavailable',
      });
      expect(JSON.stringify(res.body)).not.toMatch(/workspaces|LOCK|SELECT/i); // no SQL in the answer
      // A slow statement is not an outage: the heartbeat still gets its answers.
      expect(t.app.get(DatabaseAvailability).available).toBe(true);
      await t.http.get('/health').expect(200);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    await t.http.get(`/v1/workspaces/${lead.workspaceId}`).set(auth(lead.key)).expect(200);
  });
});

describe('DeadlineClient', () => {
  it('gives up a connection whose answer does not come in time, and the pool goes on with new ones', async () => {
    const database = await createTestDatabase();
    // No statement_timeout: the server would wait for ever; only the client's deadline ends it.
    const pool = new Pool({
      connectionString: database.url,
      Client: DeadlineClient,
      readDeadlineMs: 300,
      max: 2,
    } as ConstructorParameters<typeof Pool>[0]);
    const errors: Error[] = [];
    pool.on('error', (e) => errors.push(e));
    try {
      const started = performance.now();
      const slow = await pool.query('SELECT pg_sleep(30)').then(
        () => null,
        (e: unknown) => e,
      );
      expect(slow).toBeInstanceOf(DatabaseUnavailableError);
      expect((slow as Error).message).toBe('PostgreSQL gave no answer within 300 ms');
      expect(performance.now() - started).toBeLessThan(300 + 2_500);
      // The connection that waited was destroyed and left the pool, not reused.
      expect(pool.totalCount).toBe(0);
      const { rows } = await pool.query('SELECT 41 + 1 AS n');
      expect(rows[0].n).toBe(42);
      // Quick queries with callbacks and prepared statements pass as before.
      const named = await new Promise<number>((resolve, reject) =>
        pool.query({ name: 'answer', text: 'SELECT $1::int AS n', values: [7] }, (e, r) =>
          e ? reject(e) : resolve(r.rows[0].n),
        ),
      );
      expect(named).toBe(7);
    } finally {
      await pool.end();
      await database.drop();
    }
  });
});
