import { BlueskyFake } from '../fakes/bluesky.fake';
import { MastodonFake } from '../fakes/mastodon.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { createPublishingApp, postState, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';

// Acceptance 1: every platform end to end over HTTP against the local stand-ins, the
// dispatcher driven by hand (dispatcher.drain()) under a FixedClock.
const T0 = '2027-01-04T08:00:00Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000);
const TOKEN = 'mastodon-token-0123456789';
const RETRY_MAX_MS = 60_000;

describe('publishing to the platforms (HTTP, stand-ins)', () => {
  let t: PublishingTestApp;
  let lead: Session;
  let mastodon: MastodonFake;
  let bluesky: BlueskyFake;
  let webhook: WebhookReceiverFake;
  let slot = 0;

  /** Each test gets its own minute, so posts of earlier tests never interfere. */
  const nextSlot = () => {
    slot += 10;
    t.clock.set(at(slot - 5));
    return at(slot);
  };
  const publishAt = async (when: Date) => {
    t.clock.set(new Date(when.getTime() + 1000));
    await t.dispatcher.drain();
  };

  beforeAll(async () => {
    t = await createPublishingApp({ now: T0, options: { retryBaseMs: 10_000, retryMaxMs: RETRY_MAX_MS } });
    ({ lead } = await seedWorkspace(t));
    mastodon = new MastodonFake({ accessToken: TOKEN });
    bluesky = new BlueskyFake({ handle: 'acme.bsky.social', password: 'app-pass-1234' });
    webhook = new WebhookReceiverFake();
    await Promise.all([mastodon.start(), bluesky.start(), webhook.start()]);
  });

  afterAll(async () => {
    await Promise.all([mastodon.stop(), bluesky.stop(), webhook.stop()]);
    await t.close();
  });

  const mastodonChannel = (extra: Record<string, unknown> = {}) =>
    createChannel(t, lead, {
      name: `Mastodon ${slot}`,
      platform: 'mastodon',
      approvalRequired: false,
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
      ...extra,
    });

  describe('mastodon', () => {
    it('publishes and records externalId and externalUrl', async () => {
      const channel = await mastodonChannel();
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when, { body: 'First toot' });
      const before = mastodon.statuses.length;
      await publishAt(when);
      const state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'published', attempts: 1, lastError: null });
      expect(mastodon.statuses.length).toBe(before + 1);
      const status = mastodon.statuses.at(-1)!;
      expect(status.text).toBe('First toot');
      expect(status.idempotencyKey).toBe(post.id);
      expect(state.externalId).toBe(status.id);
      expect(state.externalUrl).toBe(status.url);
      expect(state.publishedAt).toBe(new Date(when.getTime() + 1000).toISOString());
    });

    it('retries a 503 with backoff, then publishes once', async () => {
      const channel = await mastodonChannel();
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      const before = mastodon.statuses.length;
      mastodon.failNext(1, 503);
      await publishAt(when);
      let state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'scheduled', attempts: 1 });
      expect(state.lastError).toMatch(/Attempt 1 of 5 failed \(transient\)/);
      const wait = state.nextAttemptAt!.getTime() - t.clock.now().getTime();
      expect(wait).toBeGreaterThanOrEqual(5_000);
      expect(wait).toBeLessThanOrEqual(10_000);

      await t.dispatcher.drain(); // not yet due again
      expect((await postState(t, lead.key, post.id)).status).toBe('scheduled');

      t.clock.advance(wait);
      await t.dispatcher.drain();
      state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'published', attempts: 2, lastError: null });
      expect(mastodon.statuses.length).toBe(before + 1);
    });

    it('honours Retry-After on a 429', async () => {
      const channel = await mastodonChannel();
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      mastodon.failNext(1, 429, 120);
      await publishAt(when);
      const state = await postState(t, lead.key, post.id);
      expect(state.status).toBe('scheduled');
      expect(state.lastError).toMatch(/rate_limited/);
      expect(state.nextAttemptAt!.getTime() - t.clock.now().getTime()).toBe(120_000);
      t.clock.advance(119_000);
      await t.dispatcher.drain();
      expect((await postState(t, lead.key, post.id)).status).toBe('scheduled');
      t.clock.advance(1_000);
      await t.dispatcher.drain();
      expect((await postState(t, lead.key, post.id)).status).toBe('published');
    });

    it('fails a bad token at once with lastError and a publish_failed event', async () => {
      const channel = await mastodonChannel({
        credentials: { instanceUrl: mastodon.url, accessToken: 'wrong-token-000' },
      });
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      const before = mastodon.statuses.length;
      await publishAt(when);
      const state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'failed', attempts: 1, failureReason: 'auth_expired' });
      expect(state.lastError).toMatch(/credentials/);
      expect(state.lastError).not.toContain('wrong-token-000');
      expect(mastodon.statuses.length).toBe(before);
      expect(t.failures.events.filter((e) => e.postId === post.id)).toEqual([
        expect.objectContaining({ reason: 'auth_expired', channelId: channel.id, platform: 'mastodon', attempts: 1 }),
      ]);
    });

    it('never creates a second status when the answer is lost after posting', async () => {
      const channel = await mastodonChannel();
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      const before = mastodon.statuses.length;
      mastodon.dropNext(1, { afterHandling: true, path: '/api/v1/statuses' });
      await publishAt(when);
      let state = await postState(t, lead.key, post.id);
      expect(state.status).toBe('scheduled');
      expect(state.lastError).toMatch(/unknown_outcome/);
      expect(mastodon.statuses.length).toBe(before + 1); // it did land

      t.clock.advance(RETRY_MAX_MS);
      await t.dispatcher.drain();
      state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'published', attempts: 2 });
      expect(mastodon.statuses.length).toBe(before + 1);
      expect(state.externalId).toBe(mastodon.statuses.at(-1)!.id);
    });

    it('gives up after 5 attempts with lastError', async () => {
      const channel = await mastodonChannel();
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      mastodon.failNext(5, 502);
      await publishAt(when);
      for (let i = 0; i < 4; i++) {
        t.clock.advance(RETRY_MAX_MS);
        await t.dispatcher.drain();
      }
      const state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'failed', attempts: 5, failureReason: 'exhausted' });
      expect(state.lastError).toMatch(/Gave up after 5 attempts.*502/);
      expect(t.failures.events.some((e) => e.postId === post.id && e.reason === 'exhausted')).toBe(true);
    });

    it('fails a post over the character limit as rejected (422), once', async () => {
      const channel = await mastodonChannel();
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      // Written behind the API's back: the publish-time answer is what is under test here.
      await t.db.query('UPDATE posts SET body = $2 WHERE id = $1', [post.id, 'x'.repeat(600)]);
      await publishAt(when);
      const state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'failed', failureReason: 'rejected', attempts: 1 });
      expect(state.lastError).toMatch(/422|500/);
    });

    it('tags links with UTM parameters when the channel has a campaign', async () => {
      const channel = await mastodonChannel({ utm: { campaign: 'spring-27' } });
      expect(channel).toMatchObject({ utm: { campaign: 'spring-27' }, latenessLimitMinutes: 360 });
      const when = nextSlot();
      await schedulePost(t, lead.key, channel.id, when, {
        body: 'Read https://example.com/a?ref=x#top and https://example.org/b?utm_source=newsletter',
        link: 'https://example.com/c',
      });
      await publishAt(when);
      expect(mastodon.statuses.at(-1)!.text).toBe(
        'Read https://example.com/a?ref=x&utm_source=mastodon&utm_medium=social&utm_campaign=spring-27#top and ' +
          'https://example.org/b?utm_source=newsletter\n\n' +
          'https://example.com/c?utm_source=mastodon&utm_medium=social&utm_campaign=spring-27',
      );
    });
  });

  describe('bluesky', () => {
    const blueskyChannel = () =>
      createChannel(t, lead, {
        name: `Bluesky ${slot}`,
        platform: 'bluesky',
        handle: 'acme.bsky.social',
        approvalRequired: false,
        credentials: { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' },
      });

    it('publishes a record with link facets and records its URL', async () => {
      const channel = await blueskyChannel();
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when, {
        body: 'New on the blog: https://example.com/post',
      });
      await publishAt(when);
      const state = await postState(t, lead.key, post.id);
      expect(state.status).toBe('published');
      const record = bluesky.records.at(-1)!;
      expect(state.externalId).toBe(record.uri);
      expect(state.externalUrl).toBe(`https://bsky.app/profile/acme.bsky.social/post/${record.rkey}`);
      expect(record.value['facets']).toEqual([
        expect.objectContaining({ features: [expect.objectContaining({ uri: 'https://example.com/post' })] }),
      ]);
    });

    it('retries a 503, and a lost answer finds the record instead of creating a second', async () => {
      const channel = await blueskyChannel();
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      const before = bluesky.records.length;
      bluesky.failNext(1, 503, undefined, '/xrpc/com.atproto.repo.createRecord');
      await publishAt(when);
      expect((await postState(t, lead.key, post.id)).status).toBe('scheduled');

      // The answer is lost after the record was created: the adapter reads the record at
      // its deterministic key and finds it, within the same attempt.
      bluesky.dropNext(1, { afterHandling: true, path: '/xrpc/com.atproto.repo.createRecord' });
      t.clock.advance(RETRY_MAX_MS);
      await t.dispatcher.drain();
      const state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'published', attempts: 2 });
      expect(bluesky.records.length).toBe(before + 1);
      expect(state.externalId).toBe(bluesky.records.at(-1)!.uri);
    });

    it('fails a wrong app password with lastError', async () => {
      const channel = await createChannel(t, lead, {
        name: 'Bluesky bad',
        platform: 'bluesky',
        approvalRequired: false,
        credentials: { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'not-the-password' },
      });
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when);
      await publishAt(when);
      const state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'failed', failureReason: 'auth_expired' });
      expect(state.lastError).not.toContain('not-the-password');
    });
  });

  describe('webhook', () => {
    const SECRET = 'whsec-0123456789abcdef';

    it('delivers a signed body with the post id as delivery id, retrying a 503 with the same id', async () => {
      const channel = await createChannel(t, lead, {
        name: 'Hook',
        platform: 'webhook',
        approvalRequired: false,
        credentials: { url: `${webhook.url}/hooks/palinsesto`, secret: SECRET },
      });
      const when = nextSlot();
      const post = await schedulePost(t, lead.key, channel.id, when, { title: 'Hello', link: 'https://example.com' });
      webhook.failNext(1, 503);
      const before = webhook.deliveries.length;
      await publishAt(when);
      expect((await postState(t, lead.key, post.id)).status).toBe('scheduled');
      t.clock.advance(RETRY_MAX_MS);
      await t.dispatcher.drain();
      const state = await postState(t, lead.key, post.id);
      expect(state).toMatchObject({ status: 'published', attempts: 2, externalId: post.id });
      expect(state.externalUrl).toBe(`${webhook.url}/hooks/palinsesto`);

      const deliveries = webhook.deliveries.slice(before);
      expect(deliveries).toHaveLength(1); // the 503 was answered before handling
      expect(deliveries[0].deliveryId).toBe(post.id);
      expect(webhook.verify(deliveries[0], SECRET)).toBe(true);
      expect(webhook.verify(deliveries[0], 'another-secret-0000')).toBe(false);
      expect(deliveries[0].json).toMatchObject({
        id: post.id,
        title: 'Hello',
        link: 'https://example.com',
        channel: { id: channel.id },
      });
    });
  });

  describe('channel settings', () => {
    it('validates latenessLimitMinutes and utm, and clears utm with null', async () => {
      const channel = await mastodonChannel({ latenessLimitMinutes: 90, utm: { campaign: 'x' } });
      expect(channel).toMatchObject({ latenessLimitMinutes: 90, utm: { campaign: 'x' } });
      await t.http
        .patch(`/v1/channels/${channel.id}`)
        .set(auth(lead.key))
        .send({ latenessLimitMinutes: 0 })
        .expect(400);
      await t.http
        .patch(`/v1/channels/${channel.id}`)
        .set(auth(lead.key))
        .send({ utm: { campaign: '' } })
        .expect(400);
      const res = await t.http
        .patch(`/v1/channels/${channel.id}`)
        .set(auth(lead.key))
        .send({ utm: null, latenessLimitMinutes: 30 })
        .expect(200);
      expect(res.body).toMatchObject({ utm: null, latenessLimitMinutes: 30 });
    });
  });

  it('exposes the publishing metrics', async () => {
    const res = await t.http.get('/metrics').expect(200);
    expect(res.text).toMatch(/palinsesto_posts_published_total\{platform="mastodon"\} \d+/);
    expect(res.text).toMatch(/palinsesto_posts_failed_total\{platform="mastodon",reason="auth_expired"\} 1/);
    expect(res.text).toMatch(/palinsesto_publish_retries_total\{platform="mastodon",kind="transient"\}/);
    expect(res.text).toMatch(/palinsesto_publish_handover_lag_seconds_bucket/);
  });
});
