// Issue 2 benchmark: requests/s and p99 of an authenticated
// GET /v1/channels/{cid}/calendar for a month with 300 posts, against the bare /ping
// endpoint of the same app (the framework's own ceiling).
//   npm run build && node bench/calendar.bench.mjs
import { api, load, startApp } from './lib.mjs';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

const app = await startApp();
try {
  const signup = await api(app.base, 'POST', '/v1/workspaces', { name: 'Bench', timezone: 'Europe/Rome', lead: { name: 'B', email: 'b@example.com' } });
  const key = signup.apiKey;
  const channel = await api(app.base, 'POST', `/v1/workspaces/${signup.workspace.id}/channels`, {
    name: 'Bench channel', platform: 'mock', handle: '@bench', timezone: 'Europe/Rome', approvalRequired: false,
    rules: { enforcement: 'warn', cadence: { postsPerWeek: 3, maxGapHours: 72, maxPostsPerDay: 12, minSpacingMinutes: 30 }, mix: { windowDays: 14, limits: { promotional: { max: 0.3 } } } },
  }, key);
  // 300 posts in March 2027: ten a day from 08:00, every 90 minutes.
  const categories = ['informative', 'informative', 'engagement', 'promotional'];
  for (let i = 0; i < 300; i++) {
    const day = 1 + Math.floor(i / 10);
    const minutes = 8 * 60 + (i % 10) * 90;
    const at = `2027-03-${String(day).padStart(2, '0')}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00+01:00`;
    const post = await api(app.base, 'POST', `/v1/channels/${channel.id}/posts`, { body: `Post ${i}: what we learned this week, in a few lines.`, category: categories[i % 4], scheduledAt: at }, key);
    await api(app.base, 'POST', `/v1/posts/${post.id}/schedule`, {}, key);
  }
  const path = `/v1/channels/${channel.id}/calendar?from=${encodeURIComponent('2027-03-01T00:00:00+01:00')}&to=${encodeURIComponent('2027-04-01T00:00:00+02:00')}`;
  const check = await api(app.base, 'GET', path, undefined, key);
  if (check.posts.length !== 300) throw new Error(`expected 300 posts, got ${check.posts.length}`);
  const bare = await load({ url: `${app.base}/ping`, concurrency: CONCURRENCY, durationMs: DURATION });
  const calendar = await load({ url: app.base + path, headers: { authorization: `Bearer ${key}` }, concurrency: CONCURRENCY, durationMs: DURATION });
  const rows = [
    ['GET /ping (bare)', bare],
    ['GET /v1/channels/{cid}/calendar (300 posts, authenticated)', calendar],
  ];
  console.log(`\n| endpoint | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|`);
  for (const [name, r] of rows) console.log(`| ${name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`);
  console.log(`\ncalendar / bare = ${(calendar.rps / bare.rps).toFixed(2)} (concurrency ${CONCURRENCY}, ${DURATION / 1000} s each, response ${JSON.stringify(check).length} bytes)`);
} finally {
  await app.stop();
}
