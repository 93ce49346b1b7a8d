import { MetricsCollector } from '../../src/metrics/metrics.collector';
import { signWebhookBody } from '../../src/publishing/adapters/webhook-signature';
import { BlueskyFake } from '../fakes/bluesky.fake';
import { MastodonFake } from '../fakes/mastodon.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';
import { createPublishingApp, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';
import { auth, createChannel, createPost, seedWorkspace, type Session } from '../support/fixtures';
import { createSecondInstance, type TestApp } from '../support/test-app';

// Issue 15, acceptance 1: counts that change over time, one snapshot per step with two
// instances collecting, Bluesky in batches of at most 25, a 429 defers a step that still
// happens, a 404 stops collection; the signed webhook endpoint; the API's series.
const T0 = Date.parse('2027-01-04T08:00:00Z');
const MIN = 60_000;
const H = 60 * MIN;
const D = 24 * H;
const STEPS = [H, 6 * H, 24 * H, 3 * D, 7 * D, 30 * D];
const TOKEN = 'mastodon-token-0123456789';
const SECRET = 'webhook-secret-0123456789';

interface Series {
  snapshots: {
    at: string;
    likes: number | null;
    reposts: number | null;
    replies: number | null;
    quotes: number | null;
    clicks: number | null;
  }[];
  collection: { state: string; nextAt: string | null; step: number; steps: number; lastError: string | null } | null;
}

describe('metrics collection (stand-ins, two instances, FixedClock)', () => {
  let t: PublishingTestApp;
  let second: TestApp;
  let collectors: MetricsCollector[];
  let lead: Session;
  let viewer: Session;
  let mastodon: MastodonFake;
  let bluesky: BlueskyFake;
  let webhook: WebhookReceiverFake;
  /** Each test publishes 60 days after the one before, once the earlier posts took their last step. */
  let base = T0;

  const at = (ms: number) => new Date(base + ms);
  const setClock = (ms: number) => t.clock.set(at(ms));
  /** Both instances collect at once, as they would on their timers. */
  const collectBoth = () => Promise.all(collectors.map((c) => c.drain()));
  const metricsOf = async (postId: string, key = lead.key): Promise<Series> =>
    (await t.http.get(`/v1/posts/${postId}/metrics`).set(auth(key)).expect(200)).body as Series;

  /** Schedules the posts a minute after the test's base and publishes them. */
  async function publish(channelId: string, count = 1): Promise<{ id: string; externalId: string }[]> {
    setClock(-MIN);
    const posts = [];
    for (let i = 0; i < count; i++) posts.push(await schedulePost(t, lead.key, channelId, at(i * 1000)));
    setClock(count * 1000);
    await t.dispatcher.drain();
    await settle();
    const rows = (await t.db.query('SELECT id, external_id, status FROM posts WHERE id = ANY($1::uuid[])', [
      posts.map((p) => p.id),
    ])) as { id: string; external_id: string; status: string }[];
    expect(rows.map((r) => r.status)).toEqual(posts.map(() => 'published'));
    return posts.map((p) => ({ id: p.id, externalId: rows.find((r) => r.id === p.id)!.external_id }));
  }

  /** Lets the `post.published` listeners (after commit) finish. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      const [{ n }] = (await t.db.query(
        `SELECT count(*)::int AS n FROM posts p WHERE p.status = 'published'
           AND NOT EXISTS (SELECT 1 FROM post_metric_collections c WHERE c.post_id = p.id)`,
      )) as { n: number }[];
      if (n === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    // The first instance makes one request at a time (the rate limit test needs an order).
    t = await createPublishingApp({ now: new Date(T0).toISOString(), metrics: { concurrency: 1 } });
    second = await createSecondInstance(t);
    collectors = [t.app.get(MetricsCollector), second.app.get(MetricsCollector)];
    ({ lead, viewer } = await seedWorkspace(t));
    mastodon = new MastodonFake({ accessToken: TOKEN });
    bluesky = new BlueskyFake({ handle: 'acme.bsky.social', password: 'app-pass-1234' });
    webhook = new WebhookReceiverFake();
    await Promise.all([mastodon.start(), bluesky.start(), webhook.start()]);
  });

  beforeEach(async () => {
    base += 60 * D;
    mastodon.resetFaults();
    bluesky.resetFaults();
    // The posts of earlier tests take their last step now (30 days have passed): none is due later.
    setClock(-2 * MIN);
    await collectBoth();
  });

  afterAll(async () => {
    await Promise.all([mastodon.stop(), bluesky.stop(), webhook.stop()]);
    await second.close();
    await t.close();
  });

  const mastodonChannel = () =>
    createChannel(t, lead, {
      name: `Mastodon ${base}`,
      platform: 'mastodon',
      approvalRequired: false,
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
    });
  const blueskyChannel = () =>
    createChannel(t, lead, {
      name: `Bluesky ${base}`,
      platform: 'bluesky',
      handle: 'acme.bsky.social',
      approvalRequired: false,
      credentials: { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' },
    });

  it('takes one snapshot at each step, exactly once with two instances, with the counts of that moment', async () => {
    const channel = await mastodonChannel();
    const [post] = await publish(channel.id);
    const publishedAt = at(1000).getTime();
    expect((await metricsOf(post!.id)).collection).toEqual({
      state: 'collecting',
      nextAt: new Date(publishedAt + H).toISOString(),
      step: 1,
      steps: 6,
      lastError: null,
    });

    const expected: Series['snapshots'] = [];
    for (const [i, offset] of STEPS.entries()) {
      // Just before the step: nothing is due.
      t.clock.set(new Date(publishedAt + offset - 1000));
      const reads = mastodon.statusReads.length;
      await collectBoth();
      expect(mastodon.statusReads.length).toBe(reads);
      // The counts grow between steps; each snapshot has those of its moment.
      mastodon.setCounts(post!.externalId, { favourites: 3 * (i + 1), reblogs: i, replies: i % 2 });
      t.clock.set(new Date(publishedAt + offset));
      await collectBoth();
      await collectBoth();
      expected.push({
        at: new Date(publishedAt + offset).toISOString(),
        likes: 3 * (i + 1),
        reposts: i,
        replies: i % 2,
        quotes: null, // this instance has no quote posts
        clicks: null, // no PostClickCounts (links) in this branch
      });
      expect((await metricsOf(post!.id)).snapshots).toEqual(expected);
    }
    // Both instances drained at every step: the platform was asked once per step.
    expect(mastodon.statusReads.filter((r) => r.id === post!.externalId)).toHaveLength(6);
    expect(mastodon.statusReads.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect((await metricsOf(post!.id)).collection).toMatchObject({ state: 'done', nextAt: null, step: 6 });

    // Long after the last step, nothing more is collected.
    t.clock.set(new Date(publishedAt + 40 * D));
    await collectBoth();
    expect((await metricsOf(post!.id)).snapshots).toHaveLength(6);
    const [{ n }] = (await t.db.query('SELECT count(*)::int AS n FROM post_metric_snapshots WHERE post_id = $1', [
      post!.id,
    ])) as { n: number }[];
    expect(n).toBe(6);
  });

  it('asks Bluesky for 60 posts in getPosts batches of at most 25, each post once', async () => {
    const channel = await blueskyChannel();
    const posts = await publish(channel.id, 60);
    posts.forEach((p, i) => bluesky.setCounts(p.externalId, { likes: i, reposts: 1, replies: 2, quotes: 3 }));
    const before = bluesky.getPostsBatches.length;
    setClock(H + 60_000);
    await collectBoth();
    const batches = bluesky.getPostsBatches.slice(before);
    expect(batches.every((n) => n >= 1 && n <= 25)).toBe(true);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(60);
    expect(batches.length).toBeLessThanOrEqual(4);
    for (const [i, p] of posts.entries()) {
      const { snapshots } = await metricsOf(p.id);
      expect(snapshots).toEqual([
        { at: at(H + 60_000).toISOString(), likes: i, reposts: 1, replies: 2, quotes: 3, clicks: null },
      ]);
    }
  });

  it('a 429 with Retry-After defers the step; it happens once the wait is over', async () => {
    const channel = await mastodonChannel();
    const [post] = await publish(channel.id);
    mastodon.setCounts(post!.externalId, { favourites: 7 });
    mastodon.failNext(1, 429, 600, `/api/v1/statuses/${post!.externalId}`);
    setClock(H + 1000);
    await collectBoth();
    let series = await metricsOf(post!.id);
    expect(series.snapshots).toEqual([]);
    expect(series.collection).toMatchObject({
      state: 'collecting',
      step: 1,
      nextAt: at(H + 1000 + 600_000).toISOString(),
    });

    setClock(H + 1000 + 599_000);
    await collectBoth();
    expect((await metricsOf(post!.id)).snapshots).toEqual([]);

    setClock(H + 1000 + 600_000);
    await collectBoth();
    series = await metricsOf(post!.id);
    expect(series.snapshots).toEqual([
      { at: at(H + 1000 + 600_000).toISOString(), likes: 7, reposts: 0, replies: 0, quotes: null, clicks: null },
    ]);
    // The deferral counted no try, and the next step keeps its own time.
    expect(series.collection).toMatchObject({ state: 'collecting', step: 2, nextAt: at(1000 + 6 * H).toISOString() });
  });

  it("a 429 with Mastodon's X-RateLimit-Reset defers every due step of the channel until the reset", async () => {
    const channel = await mastodonChannel();
    const posts = await publish(channel.id, 3);
    const reset = at(H + 30 * MIN);
    mastodon.rateLimitStatusReads(
      1,
      reset,
      posts.map((p) => p.externalId),
    );
    setClock(H + 5000);
    // The first instance makes one request at a time: the 429 comes first, the others wait for the reset.
    await collectors[0]!.drain();
    const reads = mastodon.statusReads.length;
    for (const p of posts) {
      const series = await metricsOf(p.id);
      expect(series.snapshots).toEqual([]);
      expect(series.collection?.nextAt).toBe(reset.toISOString());
    }
    t.clock.set(reset);
    await collectBoth();
    expect(mastodon.statusReads.length).toBe(reads + 3);
    for (const p of posts) expect((await metricsOf(p.id)).snapshots).toHaveLength(1);
  });

  it('a 404 (deleted on Mastodon) stops collection for that post; the API says so', async () => {
    const channel = await mastodonChannel();
    const [kept, deleted] = await publish(channel.id, 2);
    mastodon.deleteStatus(deleted!.externalId);
    setClock(H + 2000);
    await collectBoth();
    const gone = await metricsOf(deleted!.id);
    expect(gone.snapshots).toEqual([]);
    expect(gone.collection).toMatchObject({ state: 'deleted', nextAt: null });
    expect(gone.collection?.lastError).toContain('404');
    expect((await metricsOf(kept!.id)).snapshots).toHaveLength(1);

    const requests = mastodon.requests.length;
    setClock(40 * D);
    await collectBoth();
    expect((await metricsOf(deleted!.id)).snapshots).toEqual([]);
    // Only the post still there was asked about (once: the latest passed step).
    expect(mastodon.requests.slice(requests).map((r) => r.path)).toEqual([`/api/v1/statuses/${kept!.externalId}`]);
  });

  it('a post left out of getPosts (deleted on Bluesky) stops collection', async () => {
    const channel = await blueskyChannel();
    const [kept, deleted] = await publish(channel.id, 2);
    bluesky.deletePost(deleted!.externalId);
    setClock(H + 2000);
    await collectBoth();
    expect((await metricsOf(deleted!.id)).collection).toMatchObject({ state: 'deleted' });
    expect((await metricsOf(deleted!.id)).snapshots).toEqual([]);
    expect((await metricsOf(kept!.id)).snapshots).toHaveLength(1);
  });

  it('other errors retry with a doubling delay and give the step up after 5 tries, going on with the next', async () => {
    const channel = await mastodonChannel();
    const [post] = await publish(channel.id);
    const path = `/api/v1/statuses/${post!.externalId}`;
    mastodon.failNext(5, 503, undefined, path);
    let now = H + 1000;
    setClock(now);
    for (const delayMin of [1, 2, 4, 8]) {
      await collectBoth();
      const series = await metricsOf(post!.id);
      expect(series.collection).toMatchObject({ state: 'collecting', step: 1 });
      expect(series.collection?.nextAt).toBe(at(now + delayMin * MIN).toISOString());
      expect(series.collection?.lastError).toContain('503');
      now += delayMin * MIN;
      setClock(now);
    }
    await collectBoth();
    const series = await metricsOf(post!.id);
    expect(series.snapshots).toEqual([]);
    expect(series.collection).toMatchObject({ state: 'collecting', step: 2, nextAt: at(1000 + 6 * H).toISOString() });
    expect(series.collection?.lastError).toMatch(/^Gave up step 1 after 5 tries/);
    expect(mastodon.requests.filter((r) => r.path === path)).toHaveLength(5);

    setClock(6 * H + 1000);
    await collectBoth();
    expect((await metricsOf(post!.id)).snapshots).toHaveLength(1);
  });

  it('the sweep schedules a published post whose event was lost', async () => {
    const channel = await mastodonChannel();
    const [post] = await publish(channel.id);
    // As if the instance died between the commit and the listener.
    await t.db.query('DELETE FROM post_metric_collections WHERE post_id = $1', [post!.id]);
    expect((await metricsOf(post!.id)).collection).toBeNull();
    setClock(30 * MIN);
    expect(await collectors[1]!.sweep()).toBe(1);
    expect(await collectors[0]!.sweep()).toBe(0);
    expect((await metricsOf(post!.id)).collection).toMatchObject({ state: 'collecting', step: 1 });
    setClock(H + 1000);
    await collectBoth();
    expect((await metricsOf(post!.id)).snapshots).toHaveLength(1);
  });

  describe('the webhook platform', () => {
    const send = (channelId: string, body: unknown, signature?: string) => {
      const text = JSON.stringify(body);
      const req = t.http.post(`/v1/hooks/webhook-metrics/${channelId}`).set('Content-Type', 'application/json');
      if (signature !== undefined) req.set('X-Palinsesto-Signature', signature);
      return req.send(text);
    };

    it('records a signed snapshot; a bad or missing signature is refused and records nothing', async () => {
      const channel = await createChannel(t, lead, {
        name: `Webhook ${base}`,
        platform: 'webhook',
        approvalRequired: false,
        credentials: { url: `${webhook.url}/hooks/palinsesto`, secret: SECRET },
      });
      const [post] = await publish(channel.id);
      expect((await metricsOf(post!.id)).collection).toMatchObject({ state: 'push', nextAt: null });
      const body = { externalId: post!.externalId, at: at(2 * H).toISOString(), likes: 4, replies: 1 };

      const forged = await send(channel.id, body, signWebhookBody(JSON.stringify(body), 'another-secret'));
      expect(forged.status).toBe(403);
      expect(forged.headers['content-type']).toContain('application/problem+json');
      expect((await send(channel.id, body)).status).toBe(403);
      // A signature of another body does not cover this one.
      const other = signWebhookBody(JSON.stringify({ ...body, likes: 5 }), SECRET);
      expect((await send(channel.id, body, other)).status).toBe(403);
      expect((await metricsOf(post!.id)).snapshots).toEqual([]);

      setClock(3 * H);
      const ok = await send(channel.id, body, signWebhookBody(JSON.stringify(body), SECRET));
      expect(ok.status).toBe(202);
      expect(ok.body).toEqual({ recorded: true, postId: post!.id });
      // The same delivery again records nothing new.
      const replay = await send(channel.id, body, signWebhookBody(JSON.stringify(body), SECRET));
      expect(replay.body).toEqual({ recorded: false, postId: post!.id });
      // By post id, without `at`: now; counts left out are null.
      const byId = { postId: post!.id, likes: 9 };
      expect((await send(channel.id, byId, signWebhookBody(JSON.stringify(byId), SECRET))).status).toBe(202);
      expect((await metricsOf(post!.id)).snapshots).toEqual([
        { at: at(2 * H).toISOString(), likes: 4, reposts: null, replies: 1, quotes: null, clicks: null },
        { at: at(3 * H).toISOString(), likes: 9, reposts: null, replies: null, quotes: null, clicks: null },
      ]);
    });

    it('refuses bad payloads with a 400 problem, unknown posts and non-webhook channels with 404', async () => {
      const channel = await createChannel(t, lead, {
        name: `Webhook ${base}`,
        platform: 'webhook',
        approvalRequired: false,
        credentials: { url: `${webhook.url}/hooks/palinsesto`, secret: SECRET },
      });
      const [post] = await publish(channel.id);
      const signed = (body: unknown) => send(channel.id, body, signWebhookBody(JSON.stringify(body), SECRET));
      for (const bad of [
        { externalId: post!.externalId, likes: -1 },
        { externalId: post!.externalId, likes: 1.5 },
        { externalId: post!.externalId, likes: '3' },
        { externalId: post!.externalId, at: 'yesterday' },
        { externalId: post!.externalId, at: at(10 * D).toISOString() },
        { externalId: post!.externalId, views: 3 },
        { likes: 3 },
        { externalId: post!.externalId, postId: post!.id },
        [1, 2],
      ]) {
        const res = await signed(bad);
        expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      }
      expect((await signed({ externalId: 'not-published-here', likes: 1 })).status).toBe(404);
      const mastodonCh = await mastodonChannel();
      const body = { externalId: post!.externalId, likes: 1 };
      expect((await send(mastodonCh.id, body, signWebhookBody(JSON.stringify(body), SECRET))).status).toBe(404);
      expect((await send('not-a-uuid', body, signWebhookBody(JSON.stringify(body), SECRET))).status).toBe(404);
      expect((await metricsOf(post!.id)).snapshots).toEqual([]);
    });
  });

  describe('GET /v1/posts/{pid}/metrics', () => {
    it('viewers read the series oldest first; a post of another workspace is 404; a draft has none', async () => {
      const channel = await mastodonChannel();
      const [post] = await publish(channel.id);
      setClock(H + 1000);
      await collectBoth();
      setClock(6 * H + 1000);
      mastodon.setCounts(post!.externalId, { favourites: 2 });
      await collectBoth();
      const series = await metricsOf(post!.id, viewer.key);
      expect(series.snapshots.map((s) => s.at)).toEqual([at(H + 1000).toISOString(), at(6 * H + 1000).toISOString()]);
      expect(series.snapshots.map((s) => s.likes)).toEqual([0, 2]);

      const other = await seedWorkspace(t);
      const res = await t.http.get(`/v1/posts/${post!.id}/metrics`).set(auth(other.lead.key));
      expect(res.status).toBe(404);
      await t.http.get(`/v1/posts/${post!.id}/metrics`).expect(401);

      const draft = await createPost(t, lead, channel.id);
      expect(await metricsOf(draft.id)).toEqual({ snapshots: [], collection: null });
    });
  });
});
