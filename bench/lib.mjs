// Shared helpers for the benchmarks: boot the compiled app on loopback, and a bounded
// closed-loop HTTP load generator with keep-alive. Run `npm run build` first.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node dist/src/main.js` (embedded PostgreSQL in a temp DATA_DIR unless env has
 * DATABASE_URL); nodeArgs such as ['--cpu-prof'] go to node.
 */
export async function startApp(env = {}, nodeArgs = []) {
  const port = await freePort();
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'palinsesto-bench-'));
  chmodSync(dataDir, 0o755); // the embedded PostgreSQL may run as another user (see src/database/embedded-postgres.ts)
  const child = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('app did not start within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    dataDir,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

export async function api(base, method, path, body, key) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.status === 204 ? null : await res.json();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * One keep-alive HTTP/1.1 connection that sends the same GET again and again and reads
 * each answer just far enough to know where it ends (status line, Content-Length) and
 * its status: a load generator should cost the machine as little as it can, and Node's
 * http client spends more CPU parsing a large answer than the app spends sending it (on
 * two shared cores that would be measured as the app's slowness). Answers must carry a
 * Content-Length or have no body (204, 304): a chunked one is refused.
 */
function rawConnection(u, headers) {
  const lines = [
    `GET ${u.pathname}${u.search} HTTP/1.1`,
    `Host: ${u.host}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ];
  const request = Buffer.from(lines.join('\r\n'), 'latin1');
  const socket = net.connect({ host: u.hostname, port: Number(u.port) });
  socket.setNoDelay(true);
  let pending = null; // { resolve, reject, start }
  let head = Buffer.alloc(0);
  let status = 0;
  let bodyLeft = -1; // -1: reading the head
  const finish = () => {
    const done = pending;
    pending = null;
    bodyLeft = -1;
    head = Buffer.alloc(0);
    done.resolve([status, Number(process.hrtime.bigint() - done.start) / 1e6]);
  };
  socket.on('data', (chunk) => {
    if (!pending) return;
    if (bodyLeft < 0) {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const text = head.toString('latin1', 0, end);
      status = Number(text.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (!length && status !== 204 && status !== 304) {
        pending.reject(new Error(`answer without Content-Length (status ${status})`));
        socket.destroy();
        return;
      }
      bodyLeft = length ? Number(length[1]) : 0;
      chunk = head.subarray(end + 4);
    }
    bodyLeft -= chunk.length;
    if (bodyLeft <= 0) finish();
  });
  socket.on('error', (error) => pending?.reject(error));
  socket.on('close', () => pending?.reject(new Error('connection closed')));
  return {
    get: () =>
      new Promise((resolve, reject) => {
        pending = { resolve, reject, start: process.hrtime.bigint() };
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}

/**
 * Closed-loop load: `concurrency` clients, each on its own keep-alive connection, sending
 * the next request when the last answered, for `durationMs` (after `warmupMs` not
 * measured). Bounded in time and count. With `probe` (a function returning numbers by
 * name, such as cpuProbe(pid)), `perRequest` holds how much each grew over the measured
 * time, divided by the requests answered in it.
 */
export async function load({
  url,
  headers = {},
  concurrency = 16,
  durationMs = 10_000,
  warmupMs = 2_000,
  maxRequests = 2_000_000,
  probe,
}) {
  const u = new URL(url);
  const latencies = [];
  let errors = 0;
  let sent = 0;
  const t0 = Date.now();
  const measureFrom = t0 + warmupMs;
  const stopAt = measureFrom + durationMs;
  let probedAtStart;
  const probeTimer = probe && setTimeout(() => (probedAtStart = probe()), warmupMs);
  async function client() {
    const connection = rawConnection(u, headers);
    try {
      while (Date.now() < stopAt && sent < maxRequests) {
        sent++;
        const [status, ms] = await connection.get();
        if (Date.now() >= measureFrom) {
          if (status >= 400) errors++;
          latencies.push(ms);
        }
      }
    } finally {
      connection.close();
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  const probedAtEnd = probe?.();
  clearTimeout(probeTimer);
  latencies.sort((a, b) => a - b);
  const seconds = (Date.now() - measureFrom) / 1000;
  const perRequest =
    probedAtStart &&
    Object.fromEntries(Object.entries(probedAtEnd).map(([k, v]) => [k, (v - probedAtStart[k]) / latencies.length]));
  return {
    perRequest,
    requests: latencies.length,
    rps: Math.round(latencies.length / seconds),
    p50: +percentile(latencies, 50).toFixed(2),
    p99: +percentile(latencies, 99).toFixed(2),
    errors,
  };
}

/** CPU time (user + system, ms) that the process has used so far; 0 once it is gone. */
function cpuMsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return 0;
  }
}

/**
 * A probe for `load`: CPU time used so far by the app's process and by the machine's
 * PostgreSQL processes (the embedded server's backends), to tell where a request's CPU
 * goes. A PostgreSQL process that has ended keeps counting what it used, so the sum
 * never goes back. Linux only (/proc); zeros elsewhere.
 */
export function cpuProbe(appPid) {
  const postgres = new Map();
  return () => {
    let pids;
    try {
      pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
    } catch {
      return { app: 0, postgres: 0 };
    }
    for (const pid of pids) {
      let cmdline;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      } catch {
        continue;
      }
      if (cmdline.startsWith('postgres')) postgres.set(pid, Math.max(postgres.get(pid) ?? 0, cpuMsOf(pid)));
    }
    let sum = 0;
    for (const ms of postgres.values()) sum += ms;
    return { app: cpuMsOf(appPid), postgres: sum };
  };
}
