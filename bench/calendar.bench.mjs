// Issue 2 benchmark: requests/s and p99 of an authenticated
// GET /v1/channels/{cid}/calendar for a month with 300 posts, against the bare /ping
// endpoint of the same app (the framework's own ceiling).
//   npm run build && node bench/calendar.bench.mjs
// Rows: the calendar as a client without Accept-Encoding gets it (the aim's row); with
// Accept-Encoding: gzip (what browsers send; the load generator does not inflate); a
// polling client with If-None-Match (304). /ping is measured before the first row and
// after each one, and each row is compared with the mean of the /ping runs around it, so
// that a machine that slows down or speeds up during the run does not tilt the ratio.
// Then "cold": the first request after a post of the channel changed (sequential: change,
// then one timed GET), against warm ones.
import { api, cpuProbe, load, percentile, startApp } from './lib.mjs';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const COLD_SAMPLES = Number(process.env.BENCH_COLD ?? 50);

const app = await startApp();
try {
  const signup = await api(app.base, 'POST', '/v1/workspaces', {
    name: 'Bench',
    timezone: 'Europe/Rome',
    lead: { name: 'B', email: 'b@example.com' },
  });
  const key = signup.apiKey;
  const channel = await api(
    app.base,
    'POST',
    `/v1/workspaces/${signup.workspace.id}/channels`,
    {
      name: 'Bench channel',
      platform: 'mock',
      handle: '@bench',
      timezone: 'Europe/Rome',
      approvalRequired: false,
      rules: {
        enforcement: 'warn',
        cadence: { postsPerWeek: 3, maxGapHours: 72, maxPostsPerDay: 12, minSpacingMinutes: 30 },
        mix: { windowDays: 14, limits: { promotional: { max: 0.3 } } },
      },
    },
    key,
  );
  // 300 posts in March 2027: ten a day from 08:00, every 90 minutes.
  const categories = ['informative', 'informative', 'engagement', 'promotional'];
  for (let i = 0; i < 300; i++) {
    const day = 1 + Math.floor(i / 10);
    const minutes = 8 * 60 + (i % 10) * 90;
    const at = `2027-03-${String(day).padStart(2, '0')}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00+01:00`;
    const post = await api(
      app.base,
      'POST',
      `/v1/channels/${channel.id}/posts`,
      { body: `Post ${i}: what we learned this week, in a few lines.`, category: categories[i % 4], scheduledAt: at },
      key,
    );
    await api(app.base, 'POST', `/v1/posts/${post.id}/schedule`, {}, key);
  }
  // An undated draft of the channel: editing it is a change of one of the channel's posts
  // (a new plan revision), so the next calendar request reads and serializes the month again.
  const draft = await api(
    app.base,
    'POST',
    `/v1/channels/${channel.id}/posts`,
    { body: 'A draft', category: 'informative' },
    key,
  );
  const path = `/v1/channels/${channel.id}/calendar?from=${encodeURIComponent('2027-03-01T00:00:00+01:00')}&to=${encodeURIComponent('2027-04-01T00:00:00+02:00')}`;
  const authz = { authorization: `Bearer ${key}` };
  const first = await fetch(app.base + path, { headers: { ...authz, 'accept-encoding': 'identity' } });
  const text = await first.text();
  const check = JSON.parse(text);
  if (check.posts.length !== 300) throw new Error(`expected 300 posts, got ${check.posts.length}`);
  const etag = first.headers.get('etag');
  const zipped = await fetch(app.base + path, { headers: { ...authz, 'accept-encoding': 'gzip' } });
  const gzipBytes = Number(zipped.headers.get('content-length'));
  await zipped.arrayBuffer();

  const probe = cpuProbe(app.child.pid);
  const run = (headers, url = app.base + path) =>
    load({ url, headers, concurrency: CONCURRENCY, durationMs: DURATION, probe });
  const ping = () => run({}, `${app.base}/ping`);
  const pings = [await ping()];
  const rows = [];
  for (const [name, headers] of [
    ['GET /v1/channels/{cid}/calendar (300 posts, authenticated)', authz],
    ['… with Accept-Encoding: gzip', { ...authz, 'accept-encoding': 'gzip' }],
    ['… with If-None-Match (304)', { ...authz, 'if-none-match': etag }],
  ]) {
    const result = await run(headers);
    pings.push(await ping());
    rows.push([name, result, (pings.at(-2).rps + pings.at(-1).rps) / 2]);
  }

  // Cold: each GET is the first after a change of one of the channel's posts.
  const timedGet = async () => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(app.base + path, { headers: { ...authz, 'accept-encoding': 'identity' } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`calendar: ${res.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const cold = [];
  const warm = [];
  for (let i = 0; i < COLD_SAMPLES; i++) {
    await api(app.base, 'PATCH', `/v1/posts/${draft.id}`, { body: `A draft, edited ${i} times` }, key);
    cold.push(await timedGet());
    warm.push(await timedGet());
  }
  cold.sort((a, b) => a - b);
  warm.sort((a, b) => a - b);

  const cpu = (r) => `${r.perRequest.app.toFixed(3)} | ${r.perRequest.postgres.toFixed(3)}`;
  console.log(
    `\n| endpoint | requests/s | p50 ms | p99 ms | errors | app CPU ms/req | PostgreSQL CPU ms/req | / bare |\n|---|---|---|---|---|---|---|---|`,
  );
  pings.forEach((r, i) =>
    console.log(`| GET /ping (bare), run ${i + 1} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${cpu(r)} | 1 |`),
  );
  for (const [name, r, bare] of rows)
    console.log(
      `| ${name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${cpu(r)} | ${(r.rps / bare).toFixed(2)} |`,
    );
  console.log(
    `\ncalendar / bare = ${(rows[0][1].rps / rows[0][2]).toFixed(2)} (concurrency ${CONCURRENCY}, ${DURATION / 1000} s each, response ${Buffer.byteLength(text)} bytes, ${gzipBytes} gzip)`,
  );
  const ms = (xs, p) => percentile(xs, p).toFixed(1);
  console.log(`\n| one request at a time (${COLD_SAMPLES} each) | p50 ms | p99 ms | max ms |\n|---|---|---|---|`);
  console.log(
    `| cold: first GET after a post changed | ${ms(cold, 50)} | ${ms(cold, 99)} | ${cold.at(-1).toFixed(1)} |`,
  );
  console.log(`| warm: the same GET again | ${ms(warm, 50)} | ${ms(warm, 99)} | ${warm.at(-1).toFixed(1)} |`);
} finally {
  await app.stop();
}
