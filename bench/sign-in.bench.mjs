// Issue 14 benchmark: sign-in latency with the chosen Argon2id parameters (ARGON2_*,
// defaults m=19456 KiB, t=2, p=1), and the authenticated month calendar of a workspace by
// session cookie next to the same by api key (a personal access token of the same
// member), in one run.
//   npm run build && node bench/sign-in.bench.mjs
// Sign-in is measured one request at a time (what a person waits) and with 4 at once
// (what a burst costs); the throttle is raised for the run (SIGNIN_ATTEMPTS_PER_MINUTE),
// as every attempt counts. The calendar rows alternate key, cookie, key, cookie, and each
// cookie row is compared with the mean of the key rows around it, so that a machine
// that slows down during the run does not tilt the ratio.
import { api, cpuProbe, load, percentile, startApp } from './lib.mjs';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SIGNINS = Number(process.env.BENCH_SIGNINS ?? 200);
const PASSWORD = 'correct horse battery staple';

const app = await startApp({ SIGNIN_ATTEMPTS_PER_MINUTE: '10000' });
try {
  const origin = app.base;
  const signUp = await fetch(`${app.base}/v1/auth/sign-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Bench Lead',
      email: 'lead@example.com',
      password: PASSWORD,
      workspace: { name: 'Bench', timezone: 'Europe/Rome' },
    }),
  });
  if (signUp.status !== 201) throw new Error(`sign-up: ${signUp.status} ${await signUp.text()}`);
  const workspace = (await signUp.json()).workspace;
  const cookie = signUp.headers.getSetCookie()[0].split(';')[0];
  const tokenRes = await fetch(`${app.base}/v1/me/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, origin },
    body: JSON.stringify({ name: 'Bench script' }),
  });
  const key = (await tokenRes.json()).secret;

  const channel = await api(
    app.base,
    'POST',
    `/v1/workspaces/${workspace.id}/channels`,
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
  // 300 posts in March 2027, as in calendar.bench.mjs.
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

  // Sign-in, one at a time.
  const signIn = async () => {
    const t0 = process.hrtime.bigint();
    const res = await fetch(`${app.base}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'lead@example.com', password: PASSWORD }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`sign-in: ${res.status}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let i = 0; i < 10; i++) await signIn(); // warm-up
  const sequential = [];
  for (let i = 0; i < SIGNINS; i++) sequential.push(await signIn());
  sequential.sort((a, b) => a - b);
  const burst = [];
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = 0; i < SIGNINS / 4; i++) burst.push(await signIn());
    }),
  );
  const burstSeconds = (Date.now() - t0) / 1000;
  burst.sort((a, b) => a - b);

  // The month calendar of the workspace, by api key and by cookie.
  const path = `/v1/workspaces/${workspace.id}/calendar?from=${encodeURIComponent('2027-03-01T00:00:00+01:00')}&to=${encodeURIComponent('2027-04-01T00:00:00+02:00')}`;
  const byKey = { authorization: `Bearer ${key}` };
  const byCookie = { cookie };
  for (const headers of [byKey, byCookie]) {
    const res = await fetch(app.base + path, { headers: { ...headers, 'accept-encoding': 'identity' } });
    const body = await res.json();
    const posts = (body.channels ?? []).reduce((n, c) => n + (c.posts?.length ?? 0), 0);
    if (res.status !== 200 || posts !== 300)
      throw new Error(`calendar: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  }
  const probe = cpuProbe(app.child.pid);
  const run = (headers) =>
    load({ url: app.base + path, headers, concurrency: CONCURRENCY, durationMs: DURATION, probe });
  const keyRuns = [await run(byKey)];
  const cookieRuns = [];
  for (let i = 0; i < 2; i++) {
    cookieRuns.push(await run(byCookie));
    keyRuns.push(await run(byKey));
  }

  const ms = (xs, p) => percentile(xs, p).toFixed(1);
  console.log(
    `\nArgon2id m=${process.env.ARGON2_MEMORY_KIB ?? 19456} KiB, t=${process.env.ARGON2_TIME_COST ?? 2}, p=${process.env.ARGON2_PARALLELISM ?? 1}`,
  );
  console.log(
    `\n| POST /v1/auth/sign-in | requests | p50 ms | p99 ms | max ms | sign-ins/s |\n|---|---|---|---|---|---|`,
  );
  console.log(
    `| one at a time | ${sequential.length} | ${ms(sequential, 50)} | ${ms(sequential, 99)} | ${sequential.at(-1).toFixed(1)} | ${(1000 / percentile(sequential, 50)).toFixed(1)} |`,
  );
  console.log(
    `| 4 at once | ${burst.length} | ${ms(burst, 50)} | ${ms(burst, 99)} | ${burst.at(-1).toFixed(1)} | ${(burst.length / burstSeconds).toFixed(1)} |`,
  );
  const cpu = (r) => `${r.perRequest.app.toFixed(3)} | ${r.perRequest.postgres.toFixed(3)}`;
  console.log(
    `\n| GET /v1/workspaces/{wid}/calendar (300 posts) | requests/s | p50 ms | p99 ms | errors | app CPU ms/req | PostgreSQL CPU ms/req | cookie / key |\n|---|---|---|---|---|---|---|---|`,
  );
  keyRuns.forEach((r, i) =>
    console.log(`| by api key, run ${i + 1} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${cpu(r)} | |`),
  );
  const ratios = cookieRuns.map((r, i) => r.rps / ((keyRuns[i].rps + keyRuns[i + 1].rps) / 2));
  cookieRuns.forEach((r, i) =>
    console.log(
      `| by session cookie, run ${i + 1} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${cpu(r)} | ${ratios[i].toFixed(2)} |`,
    ),
  );
  console.log(
    `\ncookie / key = ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(2)} (concurrency ${CONCURRENCY}, ${DURATION / 1000} s each)`,
  );
} finally {
  await app.stop();
}
