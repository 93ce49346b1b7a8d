// Issue 15 benchmark: GET /v1/channels/{cid}/report for a channel with 10,000 published
// posts (three years, about nine a day) and 60,000 metrics snapshots (six per post), with
// tracked links and clicks, against GET /ping of the same app in the same run (the ceiling).
//   npm run build && node bench/report.bench.mjs
// The app runs with DATABASE_URL on a throwaway PostgreSQL (test/support/throwaway-postgres.mjs)
// so that the bench can seed the rows in bulk with SQL (INSERT ... SELECT generate_series):
// seeding 10,000 posts and 60,000 snapshots through the API would take minutes and measure
// nothing of the report. Rows:
//   cold   the first report request after the app started (nothing warm: statements,
//          JIT, pool), then the first after a new snapshot was written;
//   warm   BENCH_REPORTS (default 200) sequential requests of the same report;
//   year   the same for a 366-day report; ping: /ping sequentially, same client.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { api, freePort, percentile, startApp } from './lib.mjs';

const N = Number(process.env.BENCH_REPORTS ?? 200);
const POSTS = 10_000;

async function throwawayPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'palinsesto-report-bench-pg-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['test/support/throwaway-postgres.mjs', dir, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('READY') && resolve());
    child.once('exit', (code) => reject(new Error(`postgres exited with ${code}`)));
  });
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function timed(base, path, key, headers = {}) {
  const t0 = performance.now();
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${key}`, ...headers } });
  const body = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${body}`);
  return { ms: performance.now() - t0, bytes: body.length };
}

async function series(base, path, key, n, headers) {
  const ms = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await timed(base, path, key, headers);
    ms.push(r.ms);
    bytes = r.bytes;
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), bytes };
}

const db = await throwawayPostgres();
let app;
try {
  app = await startApp({ DATABASE_URL: db.url, SECRET_KEY: 'b'.repeat(64) });
} catch (e) {
  await db.stop();
  throw e;
}
const client = new pg.Client({ connectionString: db.url });
await client.connect();
try {
  const signup = await api(app.base, 'POST', '/v1/workspaces', {
    name: 'Bench',
    timezone: 'Europe/Rome',
    lead: { name: 'B', email: 'b@example.com' },
  });
  const key = signup.apiKey;
  const ws = signup.workspace.id;
  const channel = await api(
    app.base,
    'POST',
    `/v1/workspaces/${ws}/channels`,
    {
      name: 'Bench channel',
      platform: 'mock',
      handle: '@bench',
      timezone: 'Europe/Rome',
      approvalRequired: false,
      purpose: 'p',
      audience: 'a',
      goal: 'g',
      kpis: [
        { metric: 'posts', period: 'week', target: 60 },
        { metric: 'clicks', period: 'month', target: 100 },
        { metric: 'engagementPerPost', period: 'week', target: 20 },
      ],
      utm: { campaign: 'bench' },
      rules: { cadence: { postsPerWeek: 50 }, mix: { windowDays: 14, limits: { promotional: { max: 0.3 } } } },
    },
    key,
  );
  const seed0 = performance.now();
  // 10,000 published posts, one every 2 h 37 min 40 s from 2024-01-01 (to late 2026), a few seconds late each.
  await client.query(
    `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at, published_at, external_id, external_url)
     SELECT $1, $2, 'published', 'Post ' || i,
            (ARRAY['informative','informative','engagement','promotional'])[1 + i % 4],
            TIMESTAMPTZ '2024-01-01T08:00:00Z' + i * INTERVAL '9460 seconds',
            TIMESTAMPTZ '2024-01-01T08:00:00Z' + i * INTERVAL '9460 seconds' + (i % 400) * INTERVAL '1 second',
            'ext-' || i, 'https://social.example/@bench/' || i
       FROM generate_series(0, $3 - 1) AS i`,
    [ws, channel.id, POSTS],
  );
  // Six snapshots per post (the collector's steps), growing counts.
  await client.query(
    `INSERT INTO post_metric_snapshots (post_id, step, at, likes, reposts, replies, quotes, clicks, source)
     SELECT p.id, s, p.published_at + (ARRAY[INTERVAL '1 hour', INTERVAL '6 hours', INTERVAL '1 day', INTERVAL '3 days', INTERVAL '7 days', INTERVAL '30 days'])[s + 1],
            (s + 1) * (1 + abs(hashtext(p.id::text)) % 17), s, s % 3, NULL, NULL, 'collector'
       FROM posts p CROSS JOIN generate_series(0, 5) AS s
      WHERE p.channel_id = $1`,
    [channel.id],
  );
  // One tracked link per post with a day of clicks per hour-long period for the last 2,000 posts.
  await client.query(
    `INSERT INTO tracked_links (code, post_id, channel_id, workspace_id, target_url, campaign)
     SELECT 'b' || lpad(row_number() OVER (ORDER BY published_at)::text, 9, '0'), id, channel_id, workspace_id,
            'https://acme.example/' || id || '?utm_campaign=bench', 'bench'
       FROM posts WHERE channel_id = $1`,
    [channel.id],
  );
  await client.query(
    `INSERT INTO link_clicks (code, period_start, clicks)
     SELECT t.code, date_trunc('hour', p.published_at) + h * INTERVAL '1 hour', 1 + h % 3
       FROM tracked_links t JOIN posts p ON p.id = t.post_id CROSS JOIN generate_series(0, 5) AS h
      WHERE p.channel_id = $1 AND p.published_at > TIMESTAMPTZ '2026-06-01'`,
    [channel.id],
  );
  await client.query('ANALYZE');
  const counts = (
    await client.query(
      `SELECT (SELECT count(*) FROM posts WHERE channel_id = $1 AND status = 'published') AS posts,
              (SELECT count(*) FROM post_metric_snapshots) AS snapshots,
              (SELECT max(published_at) FROM posts WHERE channel_id = $1) AS last`,
      [channel.id],
    )
  ).rows[0];
  console.log(
    `seeded ${counts.posts} published posts, ${counts.snapshots} snapshots in ${((performance.now() - seed0) / 1000).toFixed(1)} s (last ${counts.last.toISOString()})`,
  );

  const month = `/v1/channels/${channel.id}/report?from=2026-09-07&to=2026-10-04`;
  const year = `/v1/channels/${channel.id}/report?from=2025-10-05&to=2026-10-05`;
  const cold = await timed(app.base, month, key);
  await client.query(
    `INSERT INTO post_metric_snapshots (post_id, step, at, likes, reposts, replies, quotes, clicks, source)
     SELECT id, NULL, now(), 99, 9, 9, NULL, NULL, 'recorded' FROM posts WHERE channel_id = $1 ORDER BY published_at DESC LIMIT 1`,
    [channel.id],
  );
  const afterWrite = await timed(app.base, month, key);
  const ping0 = await series(app.base, '/ping', key, N);
  const warm = await series(app.base, month, key, N);
  const csv = await series(app.base, month, key, Math.ceil(N / 4), { accept: 'text/csv' });
  const yearRow = await series(app.base, year, key, Math.ceil(N / 4));
  const ping1 = await series(app.base, '/ping', key, N);
  const f = (v) => v.toFixed(1).padStart(7);
  console.log(`report of a channel with ${counts.posts} published posts and ${counts.snapshots} snapshots (ms)`);
  console.log(`cold (first request after start)   ${f(cold.ms)}   ${cold.bytes} bytes`);
  console.log(`cold (first after a new snapshot)  ${f(afterWrite.ms)}`);
  console.log(`row                      p50      p99`);
  console.log(`ping (before)        ${f(ping0.p50)}  ${f(ping0.p99)}`);
  console.log(`4 weeks, JSON        ${f(warm.p50)}  ${f(warm.p99)}   ${warm.bytes} bytes`);
  console.log(`4 weeks, CSV         ${f(csv.p50)}  ${f(csv.p99)}   ${csv.bytes} bytes`);
  console.log(`366 days, JSON       ${f(yearRow.p50)}  ${f(yearRow.p99)}   ${yearRow.bytes} bytes`);
  console.log(`ping (after)         ${f(ping1.p50)}  ${f(ping1.p99)}`);
} finally {
  await client.end();
  await app.stop();
  await db.stop();
}
