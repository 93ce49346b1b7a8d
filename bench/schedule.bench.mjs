// Issue 3, acceptance 4: p50/p99 of POST /v1/posts/{pid}/schedule on a channel with 100,
// 10,000 and 100,000 posts; the 100,000 figure should be within 1.5x of the 100 one (the
// rules load only the affected window of the plan, never the channel's whole history).
//   npm run build && node bench/schedule.bench.mjs
// BENCH_REQUESTS (default 300) timed requests per size after BENCH_WARMUP (default 30);
// BENCH_SIZES (default 100,10000,100000).
//
// One app (node dist/src/main.js on embedded PostgreSQL in a temp dir, or on DATABASE_URL
// when set), one workspace, one channel per size (no approval, block rules: at most 18 a
// day, 30 minutes apart, no 48-hour gap, 3 a week, promotional at most 30% over 14 days).
// Each channel's posts are inserted with one INSERT ... SELECT generate_series, eight a day
// every 3 hours (a quarter promotional): at most one year of them in the future
// ('scheduled'), the rest back in the past ('published'), so the 100,000-post channel
// reaches 33 years back. Then, per size, fresh drafts (inserted by SQL) are scheduled one
// after the other, sequentially, each at its own free time in the first weeks of the dense
// future (90 minutes after a seeded post: every request passes the rules and is saved).
import { createRequire } from 'node:module';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { api, percentile, startApp } from './lib.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const SIZES = (process.env.BENCH_SIZES ?? '100,10000,100000').split(',').map(Number);
const PER_DAY = 8;
const STEP_MIN = (24 * 60) / PER_DAY; // 180
const DAY_MS = 86_400_000;
const MIN_MS = 60_000;
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

const app = await startApp();
let db;
try {
  let dbUrl = process.env.DATABASE_URL;
  if (!dbUrl) {
    const pid = readFileSync(join(app.dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
    const password = readFileSync(join(app.dataDir, 'postgres.password'), 'utf8').trim();
    dbUrl = `postgres://palinsesto:${encodeURIComponent(password)}@127.0.0.1:${Number(pid[3])}/palinsesto`;
  }
  db = new Client({ connectionString: dbUrl });
  await db.connect();

  const signup = await api(app.base, 'POST', '/v1/workspaces', {
    name: 'Bench',
    timezone: 'Europe/Rome',
    lead: { name: 'B', email: 'b@example.com' },
  });
  const key = signup.apiKey;
  const workspaceId = signup.workspace.id;
  const rules = {
    enforcement: 'block',
    cadence: { maxPostsPerDay: 18, minSpacingMinutes: 30, maxGapHours: 48, postsPerWeek: 3 },
    mix: { windowDays: 14, limits: { promotional: { max: 0.3 } } },
  };
  // The dense period starts at the next UTC midnight a week from now (schedules must be in the future).
  const start = Math.ceil((Date.now() + 7 * DAY_MS) / DAY_MS) * DAY_MS;
  const body = 'A short update for the bench: what changed this week and why it matters to you.';

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(app.base);
  const schedule = (pid, at) =>
    new Promise((resolve, reject) => {
      const payload = JSON.stringify({ scheduledAt: new Date(at).toISOString() });
      const t0 = process.hrtime.bigint();
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/v1/posts/${pid}/schedule`,
          agent,
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          const parts = [];
          res.on('data', (c) => parts.push(c));
          res.on('end', () => {
            const ms = Number(process.hrtime.bigint() - t0) / 1e6;
            const text = Buffer.concat(parts).toString();
            if (res.statusCode !== 200) reject(new Error(`schedule ${pid}: ${res.statusCode} ${text.slice(0, 500)}`));
            else resolve({ ms, violations: JSON.parse(text).violations.length });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const rows = [];
  for (const size of SIZES) {
    const channel = await api(
      app.base,
      'POST',
      `/v1/workspaces/${workspaceId}/channels`,
      {
        name: `Bench ${size}`,
        platform: 'mock',
        handle: `@bench${size}`,
        timezone: 'Europe/Rome',
        approvalRequired: false,
        rules,
      },
      key,
    );
    const future = Math.min(size, PER_DAY * 365);
    const past = size - future;
    const t0 = Date.now();
    // Post i (0-based) at start + (i - past) * 3 h, 01:00 UTC + k * 3 h; every 4th promotional.
    await db.query(
      `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at, published_at)
       SELECT $1, $2,
              CASE WHEN i < $4 THEN 'published' ELSE 'scheduled' END,
              $5 || ' #' || i,
              CASE WHEN i % 4 = 3 THEN 'promotional' ELSE 'informative' END,
              to_timestamp(($6::bigint + (i - $4) * $7::bigint) / 1000.0),
              CASE WHEN i < $4 THEN to_timestamp(($6::bigint + (i - $4) * $7::bigint) / 1000.0) END
         FROM generate_series(0, $3 - 1) AS i`,
      [workspaceId, channel.id, size, past, body, start + 60 * MIN_MS, STEP_MIN * MIN_MS],
    );
    // Fresh drafts to schedule, one per request.
    const drafts = (
      await db.query(
        `INSERT INTO posts (workspace_id, channel_id, status, body, category)
         SELECT $1, $2, 'draft', $3 || ' draft ' || i, 'informative' FROM generate_series(1, $4) AS i RETURNING id`,
        [workspaceId, channel.id, body, WARMUP + REQUESTS],
      )
    ).rows.map((r) => r.id);
    await db.query('ANALYZE posts');
    const {
      rows: [span],
    } = await db.query(
      `SELECT count(*)::int AS n, min(scheduled_at) AS first, max(scheduled_at) AS last FROM posts WHERE channel_id = $1 AND status <> 'draft'`,
      [channel.id],
    );
    log(
      `${size}: seeded ${span.n} posts from ${span.first.toISOString()} to ${span.last.toISOString()} in ${Date.now() - t0} ms`,
    );

    // Request r: day floor(r / 8), 90 minutes after that day's (r % 8)-th seeded slot.
    const latencies = [];
    let violations = 0;
    for (let r = 0; r < drafts.length; r++) {
      const at = start + Math.floor(r / PER_DAY) * DAY_MS + (60 + (r % PER_DAY) * STEP_MIN + 90) * MIN_MS;
      const res = await schedule(drafts[r], at);
      violations += res.violations;
      if (r >= WARMUP) latencies.push(res.ms);
    }
    latencies.sort((a, b) => a - b);
    const mean = latencies.reduce((s, x) => s + x, 0) / latencies.length;
    rows.push({
      size,
      n: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      mean,
      max: latencies.at(-1),
      violations,
    });
  }
  agent.destroy();

  console.log(
    `\n| posts in channel | requests | p50 ms | p99 ms | mean ms | max ms |\n|---:|---:|---:|---:|---:|---:|`,
  );
  for (const r of rows)
    console.log(
      `| ${r.size.toLocaleString('en-US')} | ${r.n} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.mean.toFixed(2)} | ${r.max.toFixed(2)} |`,
    );
  const small = rows.find((r) => r.size === Math.min(...SIZES));
  const large = rows.find((r) => r.size === Math.max(...SIZES));
  if (small && large && small !== large) {
    console.log(
      `\n${large.size.toLocaleString('en-US')} vs ${small.size.toLocaleString('en-US')}: p50 x${(large.p50 / small.p50).toFixed(2)}, p99 x${(large.p99 / small.p99).toFixed(2)} (aim: within 1.5x)`,
    );
  }
  console.log(
    `sequential, ${WARMUP} warm-up + ${REQUESTS} timed requests per size, node ${process.version}; reported violations: ${rows.map((r) => r.violations).join('/')}`,
  );
} finally {
  await db?.end();
  await app.stop();
  if (!process.env.DATA_DIR) rmSync(app.dataDir, { recursive: true, force: true });
}
