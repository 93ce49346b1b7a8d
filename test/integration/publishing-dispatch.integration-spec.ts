import { Client } from 'pg';
import { SystemClock } from '../../src/common/clock';
import { PostDispatchRepository } from '../../src/posts/post-dispatch.repository';
import { MastodonFake } from '../fakes/mastodon.fake';
import { createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { createTestDatabase } from '../support/test-database';
import { createPublishingApp, postState, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';

// The dispatcher's guarantees: rate limits per channel, fencing of stale workers, posts
// that fell due during downtime, graceful shutdown, the concurrency limit, and the
// handover lag under default settings with the real clock.
const T0 = '2027-01-04T08:00:00Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000);
const TOKEN = 'mastodon-token-0123456789';

const mockChannel = (t: PublishingTestApp, lead: Session, extra: Record<string, unknown> = {}) =>
  createChannel(t, lead, { platform: 'mock', approvalRequired: false, ...extra });

describe('dispatcher', () => {
  describe('on one instance (FixedClock, driven by hand)', () => {
    let t: PublishingTestApp;
    let lead: Session;
    let mastodon: MastodonFake;
    let other: MastodonFake;
    let slot = 0;
    const nextSlot = () => {
      slot += 60;
      t.clock.set(at(slot - 5));
      return at(slot);
    };

    beforeAll(async () => {
      t = await createPublishingApp({ now: T0, options: { leaseMs: 5_000, retryBaseMs: 10_000, retryMaxMs: 60_000 } });
      ({ lead } = await seedWorkspace(t));
      mastodon = new MastodonFake({ accessToken: TOKEN });
      other = new MastodonFake({ accessToken: TOKEN });
      await Promise.all([mastodon.start(), other.start()]);
    });
    afterAll(async () => {
      await Promise.all([mastodon.stop(), other.stop()]);
      await t.close();
    });

    it('a 429 backs off that channel only', async () => {
      const limited = await createChannel(t, lead, {
        name: 'Limited',
        platform: 'mastodon',
        approvalRequired: false,
        credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
      });
      const fine = await createChannel(t, lead, {
        name: 'Fine',
        platform: 'mastodon',
        approvalRequired: false,
        credentials: { instanceUrl: other.url, accessToken: TOKEN },
      });
      const when = nextSlot();
      const a1 = await schedulePost(t, lead.key, limited.id, when);
      const a2 = await schedulePost(t, lead.key, limited.id, new Date(when.getTime() + 10_000));
      const b1 = await schedulePost(t, lead.key, fine.id, when);
      const b2 = await schedulePost(t, lead.key, fine.id, new Date(when.getTime() + 10_000));
      mastodon.failNext(1, 429, 60);

      t.clock.set(when);
      await t.dispatcher.drain();
      expect((await postState(t, lead.key, a1.id)).status).toBe('scheduled');
      expect((await postState(t, lead.key, b1.id)).status).toBe('published');
      const requestsToLimited = mastodon.requests.length;

      // 10 s later the limited channel is still paused: its next post is not even sent,
      // and waiting costs it no attempt; the other channel publishes on time.
      t.clock.advance(10_000);
      await t.dispatcher.drain();
      expect(mastodon.requests.length).toBe(requestsToLimited);
      const paused = await postState(t, lead.key, a2.id);
      expect(paused).toMatchObject({ status: 'scheduled', attempts: 0 });
      expect(paused.nextAttemptAt!.toISOString()).toBe(new Date(when.getTime() + 60_000).toISOString());
      expect((await postState(t, lead.key, b2.id)).status).toBe('published');

      t.clock.set(new Date(when.getTime() + 60_000));
      await t.dispatcher.drain();
      expect(await postState(t, lead.key, a1.id)).toMatchObject({ status: 'published', attempts: 2 });
      expect(await postState(t, lead.key, a2.id)).toMatchObject({ status: 'published', attempts: 1 });
    });

    it('fences a stale worker: the attempt that lost its lease cannot write', async () => {
      const channel = await createChannel(t, lead, {
        name: 'Slow',
        platform: 'mastodon',
        approvalRequired: false,
        credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
      });
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      const before = mastodon.statuses.length;
      // Attempt 1's answer is held until the test lets it go (the status is created at once).
      const releaseFirst = mastodon.holdNext('/api/v1/statuses');
      try {
        t.clock.set(when);
        await t.dispatcher.tick(); // attempt 1 starts and waits for its answer
        const first = await postState(t, lead.key, post.id);
        expect(first).toMatchObject({ status: 'publishing', attempts: 1 });

        t.clock.advance(5_001); // attempt 1's lease has expired: it looks dead
        await t.dispatcher.tick(); // attempt 2 takes the post over, same idempotency key
        const second = await postState(t, lead.key, post.id);
        expect(second.attempts).toBe(2);
        expect(second.attemptId).not.toBe(first.attemptId);

        releaseFirst(); // attempt 1's late answer arrives, whenever attempt 2 is done: its write is fenced off
        await t.dispatcher.waitForIdle();
      } finally {
        releaseFirst();
        mastodon.resetFaults();
      }
      const state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'published', attempts: 2 });
      expect(mastodon.statuses.length).toBe(before + 1);
      const metrics = await t.http.get('/metrics').expect(200);
      expect(metrics.text).toMatch(/palinsesto_publish_fenced_writes_total 1/);
    });

    it('refuses every late write of a reclaimed attempt (repository level)', async () => {
      const channel = await mockChannel(t, lead);
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      {
        // The repository alone: the dispatcher only ticks when told to (interval: 1 h).
        const repo = t.app.get(PostDispatchRepository);
        t.clock.set(when);
        const [stale] = await repo.claimDue(t.clock.now(), 10, 1_000);
        expect(stale.id).toBe(post.id);
        expect(await repo.claimDue(t.clock.now(), 10, 1_000)).toEqual([]); // held by the lease
        t.clock.advance(1_001);
        const [fresh] = await repo.claimDue(t.clock.now(), 10, 1_000);
        expect(fresh).toMatchObject({ id: post.id, attempts: 2, reclaimed: true });

        const published = { id: post.id, externalId: 'x', externalUrl: 'mock://x', publishedAt: t.clock.now() };
        expect(await repo.markPublished([{ ...published, attemptId: stale.attemptId }])).toEqual(new Set());
        expect(await repo.scheduleRetry(post.id, stale.attemptId, t.clock.now(), 'stale')).toBe(false);
        expect(await repo.release(post.id, stale.attemptId, t.clock.now())).toBe(false);
        expect(await repo.transaction((m) => repo.markFailed(m, post.id, stale.attemptId, 'rejected', 'stale'))).toBe(
          false,
        );
        expect(await postState(t, lead.key, post.id)).toMatchObject({
          status: 'publishing',
          attempts: 2,
          lastError: null,
        });

        expect(await repo.markPublished([{ ...published, attemptId: fresh.attemptId }])).toEqual(new Set([post.id]));
        expect(await postState(t, lead.key, post.id)).toMatchObject({ status: 'published', externalId: 'x' });
      }
    });

    it('fails the posts of an archived channel instead of publishing them', async () => {
      const channel = await mockChannel(t, lead);
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      await t.http
        .delete(`/v1/channels/${channel.id}`)
        .set({ Authorization: `Bearer ${lead.key}` })
        .expect((r) => expect(r.status).toBeLessThan(300));
      t.clock.set(when);
      await t.dispatcher.drain();
      expect(await postState(t, lead.key, post.id)).toMatchObject({
        status: 'failed',
        failureReason: 'channel_archived',
      });
      expect(t.mock.published.some((p) => p.postId === post.id)).toBe(false);
    });

    it('keeps at most `concurrency` posts in flight', async () => {
      await t.close();
      t = await createPublishingApp({ now: T0, options: { concurrency: 3, batchSize: 2 } });
      ({ lead } = await seedWorkspace(t));
      const channel = await mockChannel(t, lead, { credentials: { latencyMs: 150 } });
      const when = nextSlot();
      const posts = [];
      for (let i = 0; i < 8; i++) posts.push(await schedulePost(t, lead.key, channel.id, when, { body: `post ${i}` }));
      t.clock.set(when);
      await t.dispatcher.tick();
      expect(t.dispatcher.inFlightCount).toBe(3);
      const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM posts WHERE status = 'publishing'`);
      expect(count).toBe(3);
      await t.dispatcher.waitForIdle();
      const [{ published }] = await t.db.query(
        `SELECT count(*)::int AS published FROM posts WHERE status = 'published'`,
      );
      expect(published).toBe(8);
    });
  });

  it('after downtime: publishes posts within the lateness limit, fails older ones as missed', async () => {
    const database = await createTestDatabase();
    let t = await createPublishingApp({ now: T0, databaseUrl: database.url });
    try {
      const { lead } = await seedWorkspace(t);
      const standard = await mockChannel(t, lead);
      const patient = await mockChannel(t, lead, { latenessLimitMinutes: 600 });
      const due10hAgo = await schedulePost(t, lead.key, standard.id, at(10));
      const due5hAgo = await schedulePost(t, lead.key, standard.id, at(5 * 60 + 10));
      const due5minAgo = await schedulePost(t, lead.key, standard.id, at(10 * 60 + 5));
      const patient10hAgo = await schedulePost(t, lead.key, patient.id, at(15));
      const future = await schedulePost(t, lead.key, standard.id, at(11 * 60));
      await t.app.close(); // every instance is down from 08:00 to 18:10

      t = await createPublishingApp({ now: at(10 * 60 + 10).toISOString(), databaseUrl: database.url });
      await t.dispatcher.drain();
      expect(await postState(t, lead.key, due10hAgo.id)).toMatchObject({ status: 'failed', failureReason: 'missed' });
      expect((await postState(t, lead.key, due10hAgo.id)).lastError).toMatch(
        /^missed: the post was due at 2027-01-04T08:10:00.000Z and was 600 minutes late .* limit of 360 minutes; it was not published/,
      );
      expect(await postState(t, lead.key, due5hAgo.id)).toMatchObject({ status: 'published' });
      expect(await postState(t, lead.key, due5minAgo.id)).toMatchObject({ status: 'published' });
      expect(await postState(t, lead.key, patient10hAgo.id)).toMatchObject({ status: 'published' });
      expect(await postState(t, lead.key, future.id)).toMatchObject({ status: 'scheduled' });
      expect(t.failures.events).toEqual([expect.objectContaining({ postId: due10hAgo.id, reason: 'missed' })]);
      expect(t.mock.published.map((p) => p.postId).sort()).toEqual(
        [due5hAgo.id, due5minAgo.id, patient10hAgo.id].sort(),
      );
    } finally {
      await t.app.close();
      await database.drop();
    }
  });

  it('on shutdown finishes in-flight posts within the grace period, and hands back the others', async () => {
    const database = await createTestDatabase();
    // The quick post's latency is long enough that it is still in flight when tick() returns
    // on a loaded machine, and short enough to finish well within the grace period.
    const t = await createPublishingApp({ now: T0, databaseUrl: database.url, options: { shutdownGraceMs: 2_000 } });
    let closed = false;
    try {
      const { lead } = await seedWorkspace(t);
      const quick = await mockChannel(t, lead, { credentials: { latencyMs: 400 } });
      const slow = await mockChannel(t, lead, { credentials: { latencyMs: 10_000 } });
      const q = await schedulePost(t, lead.key, quick.id, at(5));
      const s = await schedulePost(t, lead.key, slow.id, at(5));
      t.clock.set(at(5));
      await t.dispatcher.tick();
      expect(t.dispatcher.inFlightCount).toBe(2);
      const started = Date.now();
      await t.app.close();
      closed = true;
      // The slow post would have held close() for 10 s without the grace period.
      expect(Date.now() - started).toBeLessThan(8_000);

      // Read behind the app's back: a new instance would claim the released post at once.
      const client = new Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query(
        'SELECT id, status, attempts, next_attempt_at FROM posts ORDER BY scheduled_at, id',
      );
      await client.end();
      expect(rows.find((r) => r.id === q.id)).toMatchObject({ status: 'published', attempts: 1 });
      // Released: due again at once, and the aborted attempt is not counted.
      expect(rows.find((r) => r.id === s.id)).toMatchObject({
        status: 'scheduled',
        attempts: 0,
        next_attempt_at: at(5),
      });
    } finally {
      if (!closed) await t.app.close();
      await database.drop();
    }
  });

  it('with default settings hands a post to its adapter well within 2 s of its time', async () => {
    const t = await createPublishingApp({ clock: new SystemClock(), config: { dispatchIntervalMs: 1000 } });
    try {
      const { lead } = await seedWorkspace(t);
      const channel = await mockChannel(t, lead);
      const base = Date.now() + 1_500;
      const posts = [];
      // Due times spread over 2.5 s, some before and some after the next ticks.
      for (let i = 0; i < 6; i++)
        posts.push(await schedulePost(t, lead.key, channel.id, new Date(base + i * 450), { body: `on time ${i}` }));
      const deadline = Date.now() + 10_000;
      while (t.mock.published.length < posts.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const lags = posts.map((p) => {
        const publication = t.mock.published.find((m) => m.postId === p.id);
        expect(publication).toBeDefined();
        return publication!.publishedAt.getTime() - Date.parse(p.scheduledAt);
      });
      for (const lag of lags) {
        expect(lag).toBeGreaterThanOrEqual(0); // never early
        expect(lag).toBeLessThan(2_000); // the contract: within 2 s of its time
      }
    } finally {
      await t.close();
    }
  });
});
