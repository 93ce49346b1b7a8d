import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { Client } from 'pg';
import { TEST_SECRET_KEY } from '../support/test-app';
import {
  type AppProcess,
  type Answer,
  freePort,
  isAlive,
  isStopped,
  postmasterOf,
  request,
  signalServer,
  startApp,
  startThrowawayPostgres,
  stopApp,
  tempDir,
  type ThrowawayPostgres,
  until,
} from '../support/processes';

// Acceptance 3 with DATABASE_URL: the app runs as its own process on a PostgreSQL of this
// test's own (never the server the other tests share), which is killed, restarted, frozen
// and thawed under it. Meanwhile the API answers 503 problems with Retry-After (never a
// 500), within DB_TIMEOUT_MS (default 5 s) even when the server is frozen, and the app
// comes back by itself; one log line per change, no stack traces.
const DEFAULT_TIMEOUT_MS = 5_000;
/** What a loaded 2-core machine may add to the default timeout. */
const MARGIN_MS = 2_500;

function expectUnavailable(answer: Answer): void {
  expect(answer.status).toBe(503);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(answer.body).toMatchObject({ status: 503, type: 'https://palinsesto.dev/problems/database_unavailable' });
}

describe('the app with DATABASE_URL when PostgreSQL dies or freezes', () => {
  let dir: string;
  let port: number;
  let pg: ThrowawayPostgres | undefined;
  let app: AppProcess | undefined;
  let key: string;

  beforeAll(async () => {
    dir = tempDir('palinsesto-outage-');
    port = await freePort();
    pg = await startThrowawayPostgres(join(dir, 'pg'), port);
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    await admin.query('CREATE DATABASE palinsesto');
    await admin.end();
    app = await startApp({ DATABASE_URL: pg.url.replace(/\/postgres$/, '/palinsesto'), SECRET_KEY: TEST_SECRET_KEY });
    const created = await request(app, '/v1/workspaces', {
      body: { name: 'Outage Team', timezone: 'Europe/Rome', lead: { name: 'Lea', email: 'lea@example.com' } },
    });
    expect(created.status).toBe(201);
    key = (created.body as { apiKey: string }).apiKey;
  });

  afterAll(async () => {
    await stopApp(app);
    if (pg && pg.helper.exitCode === null && pg.helper.signalCode === null) {
      pg.helper.kill('SIGTERM');
      await new Promise((resolve) => pg!.helper.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 while the server is dead, and recovers when it is back', async () => {
    const postmaster = postmasterOf(pg!.databaseDir)!;
    expect((await request(app!, '/v1/me', { key })).status).toBe(200);
    // The server and its helper die; nothing stops the server cleanly.
    process.kill(postmaster, 'SIGKILL');
    pg!.helper.kill('SIGKILL');
    await until('the server to be gone', () => !isAlive(postmaster), 10_000);

    const answers: Answer[] = [];
    await until(
      'the API to answer 503',
      async () => {
        answers.push(await request(app!, '/v1/me', { key }));
        return answers.at(-1)!.status === 503;
      },
      10_000,
    );
    expect(answers.map((a) => a.status).filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expectUnavailable(answers.at(-1)!);
    expect(
      (
        await request(app!, '/v1/workspaces', {
          body: { name: 'Lost', timezone: 'UTC', lead: { name: 'A', email: 'a@example.com' } },
        })
      ).status,
    ).toBe(503);
    const health = await request(app!, '/health');
    expect(health.status).toBe(503);
    expect(health.body).toEqual({ status: 'error', db: 'down' });
    expect((await request(app!, '/ping')).status).toBe(200);

    await until('the outage to be logged', () => app!.log().includes('database unreachable'), 10_000);
    pg = await startThrowawayPostgres(pg!.databaseDir, port);
    await until(
      'the API to answer 200 again',
      async () => (await request(app!, '/v1/me', { key })).status === 200,
      30_000,
    );
    expect((await request(app!, '/health')).body).toEqual({ status: 'ok', db: 'up' });
    expect(((await request(app!, '/v1/me', { key })).body as { workspace: { name: string } }).workspace.name).toBe(
      'Outage Team',
    );
    // Writes work again too (a new pool connection, not a dead one).
    expect(
      (
        await request(app!, '/v1/workspaces', {
          body: { name: 'After', timezone: 'UTC', lead: { name: 'B', email: 'b@example.com' } },
        })
      ).status,
    ).toBe(201);
  });

  it('answers 503 within the default timeout while the server is frozen (SIGSTOP), and recovers after SIGCONT', async () => {
    await until('the API to answer 200', async () => (await request(app!, '/v1/me', { key })).status === 200, 30_000);
    const postmaster = postmasterOf(pg!.databaseDir)!;
    const frozen = signalServer(postmaster, 'SIGSTOP');
    try {
      await until('the server to be stopped', () => frozen.every((pid) => !isAlive(pid) || isStopped(pid)), 5_000, 20);
      // A request in flight when the server froze, then ones that come after.
      const first = await request(app!, '/v1/me', { key });
      expectUnavailable(first);
      expect(first.ms).toBeLessThan(DEFAULT_TIMEOUT_MS + 500 + MARGIN_MS);
      const writes = await request(app!, '/v1/workspaces', {
        body: { name: 'Frozen', timezone: 'UTC', lead: { name: 'C', email: 'c@example.com' } },
      });
      expectUnavailable(writes);
      expect(writes.ms).toBeLessThan(DEFAULT_TIMEOUT_MS + 500 + MARGIN_MS);
      // Once the app knows the server does not answer, it says so at once.
      await until('an immediate 503', async () => (await request(app!, '/v1/me', { key })).ms < 1_000, 15_000);
      const health = await request(app!, '/health');
      expect(health.status).toBe(503);
      expect(health.ms).toBeLessThan(2_000 + MARGIN_MS);
      expect((await request(app!, '/ping')).status).toBe(200);
    } finally {
      signalServer(postmaster, 'SIGCONT');
    }
    await until(
      'the API to answer 200 after SIGCONT',
      async () => (await request(app!, '/v1/me', { key })).status === 200,
      30_000,
    );
    expect((await request(app!, '/health')).status).toBe(200);
  });

  it('said so once per outage, without stack traces', () => {
    const log = app!.log();
    expect(log.match(/database unreachable: /g)).toHaveLength(2);
    expect(log.match(/database back after \d+ s/g)).toHaveLength(2);
    expect(log).not.toMatch(/Unhandled error/);
    expect(log).not.toMatch(/\n\s+at /); // no stack frame anywhere
    // The background jobs fail their rounds too, but say so only before the heartbeat has.
    expect(log.match(/Dispatch round failed|Alert delivery failed|Gap scan failed/g)?.length ?? 0).toBeLessThanOrEqual(
      4,
    );
  });
});
