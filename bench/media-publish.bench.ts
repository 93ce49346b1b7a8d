// Publishing posts with media: 100 posts with 4 images each, all due at the same instant, published
// by one instance (the compiled app on its embedded PostgreSQL) through the Mastodon and the
// Bluesky stand-ins of test/fakes (real HTTP servers on loopback that store every upload), next
// to the same 100 posts without media in the same run (the ceiling: what the media cost).
//
//   npm run build && node -r ./test/multiprocess/ts-register.cjs bench/media-publish.bench.ts
//
// posts/s = posts / (last publishedAt - due time); due-to-published = publishedAt - scheduledAt
// per post (p50, p99: each post's four uploads and its status included); due-to-handover (the
// moment the adapter gets the post) p99 as the upper bound of its histogram bucket in /metrics
// (palinsesto_publish_handover_lag_seconds). BENCH_MEDIA_POSTS (default 100) sets the posts.
import sharp from 'sharp';
import { BlueskyFake } from '../test/fakes/bluesky.fake';
import { MastodonFake } from '../test/fakes/mastodon.fake';

const POSTS = Number(process.env.BENCH_MEDIA_POSTS ?? 100);
const TOKEN = 'mastodon-token-0123456789';

interface Lib {
  startApp(env?: Record<string, string>): Promise<{ base: string; stop(): Promise<unknown> }>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, read field by field
  api(base: string, method: string, path: string, body?: unknown, key?: string): Promise<any>;
  percentile(sorted: number[], p: number): number;
}

async function main(): Promise<void> {
  const libPath = './lib.mjs'; // plain JavaScript (bench/lib.mjs), typed by Lib above
  const lib = (await import(libPath)) as Lib;
  const mastodon = new MastodonFake({ accessToken: TOKEN });
  const bluesky = new BlueskyFake({ handle: 'acme.bsky.social', password: 'app-pass-1234' });
  await Promise.all([mastodon.start(), bluesky.start()]);
  const app = await lib.startApp({ EGRESS_ALLOW: '127.0.0.0/8,::1/128', LINK_CARDS: 'off' });
  const { api } = lib;
  try {
    const { workspace, apiKey } = await api(app.base, 'POST', '/v1/workspaces', {
      name: 'Bench',
      timezone: 'Europe/Rome',
      lead: { name: 'Bench Lead', email: 'bench@example.com' },
    });
    const channel = (name: string, platform: string, credentials: Record<string, unknown>) =>
      api(
        app.base,
        'POST',
        `/v1/workspaces/${workspace.id}/channels`,
        { name, platform, handle: '@acme', timezone: 'Europe/Rome', approvalRequired: false, credentials },
        apiKey,
      );
    const ids: string[] = [];
    for (const [i, background] of ['#c33', '#fa3', '#36c', '#3a5'].entries()) {
      const file = await sharp({ create: { width: 1200, height: 800, channels: 3, background } })
        .jpeg({ quality: 90 })
        .toBuffer();
      const form = new FormData();
      form.set('alt', `Photo ${i + 1} of the fair`);
      form.set('file', new Blob([file], { type: 'image/jpeg' }), `photo-${i}.jpg`);
      const res = await fetch(`${app.base}/v1/workspaces/${workspace.id}/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}` },
        body: form,
      });
      if (res.status !== 201) throw new Error(`upload: ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const media = ids.map((id) => ({ id }));

    const rows: string[] = [];
    for (const [name, platform, credentials] of [
      ['Mastodon', 'mastodon', { instanceUrl: mastodon.url, accessToken: TOKEN }],
      ['Bluesky', 'bluesky', { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' }],
    ] as const) {
      for (const withMedia of [false, true]) {
        const ch = await channel(`${name} ${withMedia ? 'media' : 'text'}`, platform, credentials);
        const postIds: string[] = [];
        for (let i = 0; i < POSTS; i++) {
          const post = await api(
            app.base,
            'POST',
            `/v1/channels/${ch.id}/posts`,
            { body: `Bench post ${i}`, category: 'informative', ...(withMedia ? { media } : {}) },
            apiKey,
          );
          postIds.push(post.id);
        }
        // Drafts first, then all scheduled for one instant far enough ahead for the schedules to land.
        const due = new Date(Date.now() + 3_000 + POSTS * 150);
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
        const deadline = Date.now() + 300_000;
        let published: { scheduledAt: string; publishedAt: string | null; status: string }[] = [];
        for (;;) {
          published = [];
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
          if (published.every((p) => p.status === 'published' || p.status === 'failed')) break;
          if (Date.now() > deadline) throw new Error('posts not published within 5 minutes');
          await new Promise((r) => setTimeout(r, 250));
        }
        const failed = published.filter((p) => p.status !== 'published').length;
        if (failed > 0) throw new Error(`${failed} posts failed`);
        const lags = published.map((p) => Date.parse(p.publishedAt!) - Date.parse(p.scheduledAt)).sort((a, b) => a - b);
        const last = Math.max(...published.map((p) => Date.parse(p.publishedAt!)));
        const rate = POSTS / ((last - due.getTime()) / 1000);
        const row = `| ${name} | ${withMedia ? '4 images' : 'text only'} | ${rate.toFixed(1)} | ${lib.percentile(lags, 50).toFixed(0)} ms | ${lib.percentile(lags, 99).toFixed(0)} ms |`;
        console.log(row);
        rows.push(row);
      }
    }
    const metrics = await (await fetch(`${app.base}/metrics`)).text();
    const buckets = [
      ...metrics.matchAll(/^palinsesto_publish_handover_lag_seconds_bucket\{le="([^"]+)",platform="(\w+)"\} (\d+)/gm),
    ];
    const handover: string[] = [];
    for (const platform of ['mastodon', 'bluesky']) {
      const own = buckets.filter((b) => b[2] === platform).map((b) => ({ le: b[1], n: Number(b[3]) }));
      const total = own.find((b) => b.le === '+Inf')?.n ?? 0;
      const p99 = own.find((b) => b.n >= total * 0.99);
      handover.push(`${platform}: p99 <= ${p99?.le} s of ${total} posts`);
    }
    console.log('\n| platform | posts | posts/s | due-to-published p50 | p99 |');
    console.log('|---|---|---|---|---|');
    for (const r of rows) console.log(r);
    console.log(`\ndue-to-handover (histogram): ${handover.join('; ')}`);
    console.log(`uploads stored: Mastodon ${mastodon.media.length}, Bluesky blobs ${bluesky.blobs.size}`);
  } finally {
    await app.stop();
    await Promise.all([mastodon.stop(), bluesky.stop()]);
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
