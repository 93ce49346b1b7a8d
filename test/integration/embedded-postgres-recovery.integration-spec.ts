import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AppProcess,
  type Answer,
  childrenOf,
  commandLineOf,
  isAlive,
  isStopped,
  postmasterOf,
  request,
  signalServer,
  startApp,
  stopApp,
  tempDir,
  until,
} from '../support/processes';

// Acceptance 3 in embedded mode (no DATABASE_URL): the app as `npm start` runs it, with its
// own PostgreSQL under a temporary DATA_DIR. Killed apps leave no PostgreSQL behind (or the
// next start stops what they left), a PostgreSQL that dies is restarted by the app, a frozen
// one turns into fast 503s, and nothing that is not ours is ever signalled.
const DEFAULT_TIMEOUT_MS = 5_000;
/** What a loaded 2-core machine may add to the default timeout. */
const MARGIN_MS = 2_500;

function expectUnavailable(answer: Answer): void {
  expect(answer.status).toBe(503);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
}

/** The watchdog shell that stops `postmaster` when its app is gone. */
function watchdogOf(postmaster: number): number | undefined {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .find((pid) => {
      const argv = commandLineOf(pid);
      return argv.includes('palinsesto-postgres-watchdog') && argv.at(-1) === String(postmaster);
    });
}

describe('embedded PostgreSQL across kills, deaths and freezes', () => {
  let dataDir: string;
  let databaseDir: string;
  let app: AppProcess | undefined;
  let key: string;
  const start = async () => (app = await startApp({ DATA_DIR: dataDir }));
  const me = () => request(app!, '/v1/me', { key });
  const others: ChildProcess[] = [];

  beforeAll(async () => {
    const root = tempDir('palinsesto-embedded-');
    dataDir = join(root, 'data');
    databaseDir = join(dataDir, 'postgres');
    await start();
    const created = await request(app!, '/v1/workspaces', {
      body: { name: 'Embedded Team', timezone: 'Europe/Rome', lead: { name: 'Lea', email: 'lea@example.com' } },
    });
    expect(created.status).toBe(201);
    key = (created.body as { apiKey: string }).apiKey;
  });

  afterAll(async () => {
    await stopApp(app);
    for (const child of others) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Whatever a failed test left running under the folder.
    const left = postmasterOf(databaseDir);
    if (left && isAlive(left) && commandLineOf(left).includes(databaseDir)) process.kill(left, 'SIGKILL');
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('a SIGKILLed app takes its PostgreSQL along; the next start is healthy with the data', async () => {
    const postmaster = postmasterOf(databaseDir)!;
    expect(isAlive(postmaster)).toBe(true);
    app!.child.kill('SIGKILL');
    await app!.exited;
    await until('the killed app’s PostgreSQL to stop', () => !isAlive(postmaster), 20_000);
    await start();
    expect((await me()).status).toBe(200);
    expect(((await me()).body as { workspace: { name: string } }).workspace.name).toBe('Embedded Team');
  });

  it('a PostgreSQL left running by a killed app (its watchdog killed too) is stopped by the next start', async () => {
    const orphan = postmasterOf(databaseDir)!;
    const watchdog = watchdogOf(orphan);
    expect(watchdog).toBeDefined();
    process.kill(watchdog!, 'SIGKILL');
    app!.child.kill('SIGKILL');
    await app!.exited;
    await until('the orphan to lose its parent', () => childrenOf(app!.child.pid!).length === 0, 10_000);
    expect(isAlive(orphan)).toBe(true);

    await start();
    expect(isAlive(orphan)).toBe(false);
    expect(app!.log()).toContain(`Stopping the embedded PostgreSQL (pid ${orphan}) left running`);
    expect(((await me()).body as { workspace: { name: string } }).workspace.name).toBe('Embedded Team');
  });

  it('restarts a PostgreSQL that was SIGKILLed under it, answering 503 (not 500) meanwhile', async () => {
    const postmaster = postmasterOf(databaseDir)!;
    const killedAt = Date.now();
    process.kill(postmaster, 'SIGKILL');
    const answers: Answer[] = [];
    await until(
      'the API to answer 200 again',
      async () => {
        answers.push(await me());
        return answers.length > 1 && answers.at(-1)!.status === 200;
      },
      30_000,
    );
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    // The restart takes a while (at least 250 ms, then crash recovery): 503s were seen.
    const unavailable = answers.find((a) => a.status === 503);
    expect(unavailable).toBeDefined();
    expectUnavailable(unavailable!);
    const restarted = postmasterOf(databaseDir)!;
    expect(restarted).not.toBe(postmaster);
    expect(isAlive(restarted)).toBe(true);
    expect(app!.log()).toMatch(/Embedded PostgreSQL exited unexpectedly \(signal SIGKILL\); restarting it/);
    expect(app!.log()).toMatch(/Embedded PostgreSQL restarted/);
    expect(app!.log()).not.toMatch(/Unhandled error/);
    expect(((await me()).body as { workspace: { name: string } }).workspace.name).toBe('Embedded Team');
  });

  it('answers 503 within the default timeout while PostgreSQL is frozen, and recovers after SIGCONT', async () => {
    await until('the API to answer 200', async () => (await me()).status === 200, 30_000);
    const postmaster = postmasterOf(databaseDir)!;
    const frozen = signalServer(postmaster, 'SIGSTOP');
    try {
      await until('the server to be stopped', () => frozen.every((pid) => !isAlive(pid) || isStopped(pid)), 5_000, 20);
      const first = await me();
      expectUnavailable(first);
      expect(first.ms).toBeLessThan(DEFAULT_TIMEOUT_MS + 500 + MARGIN_MS);
      await until('an immediate 503', async () => (await me()).ms < 1_000, 15_000);
      // Frozen is not dead: the app does not restart it.
      expect(isAlive(postmaster)).toBe(true);
    } finally {
      signalServer(postmaster, 'SIGCONT');
    }
    await until('the API to answer 200 after SIGCONT', async () => (await me()).status === 200, 30_000);
    expect(postmasterOf(databaseDir)).toBe(postmaster);
    // One line when the database went away and one when it was back, per outage (the
    // restart above may be quicker than the heartbeat notices), and no stack traces.
    const log = app!.log();
    const lost = log.match(/database unreachable: /g)?.length ?? 0;
    expect(lost).toBeGreaterThanOrEqual(1);
    expect(lost).toBeLessThanOrEqual(2);
    expect(log.match(/database back after \d+ s/g)?.length ?? 0).toBe(lost);
    expect(log).not.toMatch(/Unhandled error/);
    expect(log).not.toMatch(/\n\s+at /);
  });

  it('stops cleanly on SIGTERM, then neither signals nor trusts a lock whose pid runs something else', async () => {
    const postmaster = postmasterOf(databaseDir)!;
    app!.child.kill('SIGTERM');
    expect((await app!.exited).code).toBe(0);
    expect(isAlive(postmaster)).toBe(false);
    expect(postmasterOf(databaseDir)).toBeUndefined();

    // A lock file naming a live process that is not our PostgreSQL (a reused pid).
    const stranger = spawn('sleep', ['120'], { stdio: 'ignore' });
    others.push(stranger);
    writeFileSync(
      join(databaseDir, 'postmaster.pid'),
      `${stranger.pid}\n${databaseDir}\n0\n5432\n\n127.0.0.1\n0 0\nready\n`,
    );
    await start();
    expect(isAlive(stranger.pid!)).toBe(true);
    expect(app!.log()).toContain(
      `Removing the stale lock of a PostgreSQL that did not stop cleanly (pid ${stranger.pid})`,
    );
    expect((await me()).status).toBe(200);
  });

  it('refuses to start a second instance on a DATA_DIR in use, and leaves the running one alone', async () => {
    const postmaster = postmasterOf(databaseDir)!;
    const second = await startApp({ DATA_DIR: dataDir }, 60_000).then(
      (started) => {
        others.push(started.child);
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(second).toMatch(/is in use by a running PostgreSQL \(pid \d+\) of another process/);
    expect(isAlive(postmaster)).toBe(true);
    expect(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]).toBe(String(postmaster));
    expect((await me()).status).toBe(200);
  });

  it('said each change once, without stack traces', async () => {
    const postmaster = postmasterOf(databaseDir)!;
    await stopApp(app);
    expect(isAlive(postmaster)).toBe(false);
    expect(watchdogOf(postmaster)).toBeUndefined();
    const log = app!.log();
    expect(log).not.toMatch(/Unhandled error/);
    expect(log).not.toMatch(/\n\s+at /);
  });
});
