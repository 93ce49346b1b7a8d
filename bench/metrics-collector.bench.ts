// Metrics collection: how many published posts per second one instance's collector reads and
// records, against the Mastodon and Bluesky stand-ins of test/fakes answering every request in
// 100 ms (real HTTP servers on loopback), with the ceiling measured in the same run.
//
//   npm run build && node -r ./test/multiprocess/ts-register.cjs bench/metrics-collector.bench.ts
//
// Per platform: BENCH_METRICS_POSTS (default 1000) posts are published by the compiled app
// (METRICS_STEPS=30s), the app is stopped until every post's step is due, then started again:
// its collector finds them all due at once. posts/s = (posts - 1) / (last snapshot - first
// snapshot), the snapshots' `at` read back through GET /v1/posts/{pid}/metrics. Ceilings: the
// theoretical one (the collector's 8 requests in flight / 100 ms, times 25 posts per getPosts for
// Bluesky) and the stand-in's own throughput measured by a plain client making the same
// requests with the same concurrency.
import { BlueskyFake } from '../test/fakes/bluesky.fake';
import { MastodonFake } from '../test/fakes/mastodon.fake';

const POSTS = Number(process.env.BENCH_METRICS_POSTS ?? 1000);
const LATENCY_MS = 100;
const CONCURRENCY = 8; // DEFAULT_METRICS_OPTIONS.concurrency
const STEP_S = 30;
const TOKEN = 'mastodon-token-0123456789';

interface App {
  base: string;
  dataDir: string;
  stop(): Promise<unknown>;
}
interface Lib {
  startApp(env?: Record<string, string>): Promise<App>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, read field by field
  api(base: string, method: string, path: string, body?: unknown, key?: string): Promise<any>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `total` requests made by `concurrency` loops: requests per second. */
async function clientThroughput(total: number, concurrency: number, request: (i: number) => Promise<void>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await request(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const libPath = './lib.mjs'; // plain JavaScript (bench/lib.mjs), typed by Lib above
  const lib = (await import(libPath)) as Lib;
  const { api } = lib;
  const mastodon = new MastodonFake({ accessToken: TOKEN, latencyMs: LATENCY_MS });
  const bluesky = new BlueskyFake({ handle: 'acme.bsky.social', password: 'app-pass-1234', latencyMs: LATENCY_MS });
  await Promise.all([mastodon.start(), bluesky.start()]);
  const env = { EGRESS_ALLOW: '127.0.0.0/8,::1/128', LINK_CARDS: 'off', METRICS_STEPS: `${STEP_S}s` };
  let app = await lib.startApp(env);
  const rows: string[] = [];
  try {
    const { workspace, apiKey } = await api(app.base, 'POST', '/v1/workspaces', {
      name: 'Bench',
      timezone: 'Europe/Rome',
      lead: { name: 'Bench Lead', email: 'bench@example.com' },
    });
    for (const [name, platform, credentials] of [
      ['Mastodon', 'mastodon', { instanceUrl: mastodon.url, accessToken: TOKEN }],
      ['Bluesky', 'bluesky', { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' }],
    ] as const) {
      const ch = await api(
        app.base,
        'POST',
        `/v1/workspaces/${workspace.id}/channels`,
        { name, platform, handle: '@acme', timezone: 'Europe/Rome', approvalRequired: false, credentials },
        apiKey,
      );
      const postIds: string[] = [];
      for (let i = 0; i < POSTS; i++) {
        const post = await api(
          app.base,
          'POST',
          `/v1/channels/${ch.id}/posts`,
          { body: `Bench post ${i}`, category: 'informative' },
          apiKey,
        );
        postIds.push(post.id);
      }
      // All due at one instant far enough ahead for the schedules to land (as in media-publish).
      const due = new Date(Date.now() + 3_000 + POSTS * 200);
      for (const id of postIds) {
        await api(
          app.base,
          'POST',
          `/v1/posts/${id}/schedule`,
          { scheduledAt: due.toISOString(), override: { reason: 'bench' } },
          apiKey,
        );
      }
      if (Date.now() >= due.getTime()) throw new Error('scheduling took longer than the margin; raise it');
      let lastPublished = 0;
      for (let waited = 0; ; waited += 250) {
        const published: { status: string; publishedAt: string | null }[] = [];
        let cursor: string | undefined;
        do {
          const page = await api(
            app.base,
            'GET',
            `/v1/channels/${ch.id}/posts?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
            undefined,
            apiKey,
          );
          published.push(...page.items);
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        if (published.some((p) => p.status === 'failed')) throw new Error('a post failed');
        if (published.every((p) => p.status === 'published')) {
          lastPublished = Math.max(...published.map((p) => Date.parse(p.publishedAt!)));
          break;
        }
        if (waited > 300_000) throw new Error('posts not published within 5 minutes');
        await sleep(250);
      }
      // The shutdown waits for the post.published listeners: every post is scheduled for collection.
      if (Date.now() > lastPublished + STEP_S * 1000 - 2_000) throw new Error('a step came due before the restart');
      // Off until every step is due, then on: the collector finds all of them due at once.
      await app.stop();
      await sleep(Math.max(0, lastPublished + STEP_S * 1000 - Date.now()) + 500);
      const reads = platform === 'mastodon' ? mastodon.statusReads.length : bluesky.getPostsBatches.length;
      app = await lib.startApp({ ...env, DATA_DIR: app.dataDir });
      // Wait for the collector without loading the app: its snapshot counter in /metrics.
      const series = `palinsesto_metrics_snapshots_total{platform="${platform}",source="collector"}`;
      for (let waited = 0; ; waited += 250) {
        const text = await (await fetch(`${app.base}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith(series));
        if (line && Number(line.slice(series.length + 1)) >= POSTS) break;
        if (waited > 600_000) throw new Error('not collected within 10 minutes');
        await sleep(250);
      }
      const { collection } = await api(app.base, 'GET', `/v1/posts/${postIds[0]}/metrics`, undefined, apiKey);
      if (collection?.step !== 1) throw new Error(`expected the first step, got ${JSON.stringify(collection)}`);
      const ats: number[] = [];
      for (const id of postIds) {
        for (let waited = 0; ; waited += 100) {
          const { snapshots } = await api(app.base, 'GET', `/v1/posts/${id}/metrics`, undefined, apiKey);
          if (snapshots.length > 0) {
            ats.push(Date.parse(snapshots[0].at));
            break;
          }
          if (waited > 600_000) throw new Error('not collected within 10 minutes');
          await sleep(100);
        }
      }
      ats.sort((a, b) => a - b);
      const rate = (POSTS - 1) / ((ats[ats.length - 1]! - ats[0]!) / 1000);
      const requests =
        platform === 'mastodon'
          ? mastodon.statusReads.length - reads
          : bluesky.getPostsBatches.slice(reads).filter((n) => n > 0).length;
      const perRequest = platform === 'mastodon' ? 1 : 25;
      const theoretical = (CONCURRENCY * perRequest * 1000) / LATENCY_MS;
      // The stand-in's own throughput with the same requests and concurrency (a plain client).
      const externalIds = (
        await Promise.all(
          postIds
            .slice(0, 50)
            .map(async (id) => (await api(app.base, 'GET', `/v1/posts/${id}`, undefined, apiKey)).externalId as string),
        )
      ).filter(Boolean);
      let standIn: number;
      if (platform === 'mastodon') {
        standIn = await clientThroughput(POSTS, CONCURRENCY, async (i) => {
          const res = await fetch(`${mastodon.url}/api/v1/statuses/${externalIds[i % externalIds.length]}`, {
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          await res.text();
        });
      } else {
        const session = (await (
          await fetch(`${bluesky.url}/xrpc/com.atproto.server.createSession`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ identifier: 'acme.bsky.social', password: 'app-pass-1234' }),
          })
        ).json()) as { accessJwt: string };
        const uris = new URLSearchParams();
        for (const uri of externalIds.slice(0, 25)) uris.append('uris', uri);
        standIn =
          25 *
          (await clientThroughput(Math.ceil(POSTS / 25), CONCURRENCY, async () => {
            const res = await fetch(`${bluesky.url}/xrpc/app.bsky.feed.getPosts?${uris.toString()}`, {
              headers: { authorization: `Bearer ${session.accessJwt}` },
            });
            await res.text();
          }));
      }
      const row = `| ${name} | ${POSTS} | ${requests} | ${rate.toFixed(1)} | ${standIn.toFixed(1)} | ${theoretical.toFixed(0)} | ${((100 * rate) / standIn).toFixed(0)} % |`;
      console.log(row);
      rows.push(row);
    }
    console.log(
      `\n| platform | posts | requests | collector posts/s | stand-in posts/s (plain client, ${CONCURRENCY} in flight) | theoretical (${CONCURRENCY} x ${LATENCY_MS} ms) | collector / stand-in |`,
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    await app.stop();
    await Promise.all([mastodon.stop(), bluesky.stop()]);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
