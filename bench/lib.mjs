// Shared helpers for the benchmarks: boot the compiled app on loopback, and a bounded
// closed-loop HTTP load generator with keep-alive. Run `npm run build` first.
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { chmodSync, mkdtempSync } from 'node:fs';
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
 * Closed-loop load: `concurrency` clients each sending the next request when the last
 * answered, for `durationMs` (after `warmupMs` not measured). Bounded in time and count.
 */
export async function load({ url, headers = {}, concurrency = 16, durationMs = 10_000, warmupMs = 2_000, maxRequests = 2_000_000 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const u = new URL(url);
  const one = () =>
    new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve([res.statusCode, Number(process.hrtime.bigint() - start) / 1e6]));
      });
      req.on('error', reject);
      req.end();
    });
  const latencies = [];
  let errors = 0;
  let sent = 0;
  const t0 = Date.now();
  const measureFrom = t0 + warmupMs;
  const stopAt = measureFrom + durationMs;
  async function client() {
    while (Date.now() < stopAt && sent < maxRequests) {
      sent++;
      const [status, ms] = await one();
      if (Date.now() >= measureFrom) {
        if (status >= 400) errors++;
        latencies.push(ms);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, client));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const seconds = (Date.now() - measureFrom) / 1000;
  return {
    requests: latencies.length,
    rps: Math.round(latencies.length / seconds),
    p50: +percentile(latencies, 50).toFixed(2),
    p99: +percentile(latencies, 99).toFixed(2),
    errors,
  };
}
