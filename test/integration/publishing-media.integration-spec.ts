import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { BlueskyFake } from '../fakes/bluesky.fake';
import { MastodonFake } from '../fakes/mastodon.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { createPublishingApp, postState, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';

// Issue 13 end to end: files uploaded to the library, a post carrying them by id, the
// dispatcher handing them to each platform's stand-in in order with their alt texts (the
// post's own over the library's), the upload ledger making a retry reuse what was uploaded.
const T0 = '2027-01-04T08:00:00Z';
const TOKEN = 'mastodon-token-0123456789';

interface Uploaded {
  id: string;
  width: number;
  height: number;
  sha256: string;
}

describe('publishing posts with media from the library', () => {
  let t: PublishingTestApp;
  let lead: Session;
  let workspaceId: string;
  let mastodon: MastodonFake;
  let bluesky: BlueskyFake;
  let webhook: WebhookReceiverFake;
  const images: Uploaded[] = [];
  let slot = 0;

  async function upload(file: Buffer, name: string, alt: string): Promise<Uploaded> {
    const res = await t.http
      .post(`/v1/workspaces/${workspaceId}/media`)
      .set(auth(lead.key))
      .field('alt', alt)
      .attach('file', file, { filename: name, contentType: 'image/jpeg' });
    if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body as Uploaded;
  }

  const nextSlot = () => {
    slot += 60;
    const when = new Date(Date.parse(T0) + slot * 60_000);
    t.clock.set(new Date(when.getTime() - 30 * 60_000));
    return when;
  };
  const media = () => [
    { id: images[0].id },
    { id: images[1].id, alt: 'The team at the stand, seen from the entrance' },
    { id: images[2].id },
    { id: images[3].id },
  ];
  const expectedAlts = [
    'A red square',
    'The team at the stand, seen from the entrance',
    'A blue landscape photo',
    'A tall green banner',
  ];

  beforeAll(async () => {
    t = await createPublishingApp({ now: T0 });
    ({ lead, workspaceId } = await seedWorkspace(t));
    mastodon = new MastodonFake({ accessToken: TOKEN });
    bluesky = new BlueskyFake({ handle: 'acme.bsky.social', password: 'app-pass-1234' });
    webhook = new WebhookReceiverFake();
    await Promise.all([mastodon.start(), bluesky.start(), webhook.start()]);
    const shapes: [number, number, string, string][] = [
      [600, 600, '#c33', 'A red square'],
      [800, 600, '#fa3', 'Our stand at the fair'],
      [1200, 800, '#36c', 'A blue landscape photo'],
      [400, 900, '#3a5', 'A tall green banner'],
    ];
    for (const [i, [width, height, background, alt]] of shapes.entries()) {
      const file = await sharp({ create: { width, height, channels: 3, background } })
        .jpeg()
        .toBuffer();
      images.push(await upload(file, `photo-${i}.jpg`, alt));
    }
  });
  afterAll(async () => {
    await Promise.all([mastodon.stop(), bluesky.stop(), webhook.stop()]);
    await t.close();
  });

  it('Mastodon: four images in order with their alt texts, each uploaded once though an upload failed', async () => {
    const channel = await createChannel(t, lead, {
      name: 'Acme Mastodon',
      platform: 'mastodon',
      approvalRequired: false,
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
    });
    const when = nextSlot();
    const post = await schedulePost(t, lead.key, channel.id, when, { body: 'Four photos of the fair', media: media() });
    mastodon.failMediaUpload(3); // the third upload answers 503: the attempt is retried
    t.clock.set(when);
    await t.dispatcher.drain();
    expect(await postState(t, lead.key, post.id)).toMatchObject({ status: 'scheduled', attempts: 1 });
    expect(mastodon.statuses).toHaveLength(0);

    t.clock.advance(20 * 60_000); // past the retry's backoff
    await t.dispatcher.drain();
    expect(await postState(t, lead.key, post.id)).toMatchObject({ status: 'published', attempts: 2 });
    expect(mastodon.statuses).toHaveLength(1);
    const [status] = mastodon.statuses;
    expect(status.media.map((m) => m.description)).toEqual(expectedAlts);
    // The very files the library stores (re-encoded without their metadata at upload).
    const stored = await Promise.all(
      images.map(async (i) => {
        const res = await t.http.get(`/v1/media/${i.id}/file`).set(auth(lead.key)).expect(200);
        return createHash('sha256')
          .update(res.body as Buffer)
          .digest('hex');
      }),
    );
    expect(status.media.map((m) => m.sha256)).toEqual(stored);
    expect(status.media.map((m) => [m.width, m.height])).toEqual(images.map((i) => [i.width, i.height]));
    // The two uploaded before the failure were reused by the retry: four files stored, not six.
    expect(mastodon.media).toHaveLength(4);
  });

  it('Bluesky: four images in order with alt texts and aspect ratios', async () => {
    const channel = await createChannel(t, lead, {
      name: 'Acme Bluesky',
      platform: 'bluesky',
      approvalRequired: false,
      credentials: { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' },
    });
    const when = nextSlot();
    const post = await schedulePost(t, lead.key, channel.id, when, { body: 'Four photos of the fair', media: media() });
    t.clock.set(when);
    await t.dispatcher.drain();
    expect(await postState(t, lead.key, post.id)).toMatchObject({ status: 'published', attempts: 1 });
    const records = bluesky.records.filter((r) => r.collection === 'app.bsky.feed.post');
    expect(records).toHaveLength(1);
    const embed = records[0].value.embed as {
      $type: string;
      images: { alt: string; aspectRatio: { width: number; height: number } }[];
    };
    expect(embed.$type).toBe('app.bsky.embed.images');
    expect(embed.images.map((i) => i.alt)).toEqual(expectedAlts);
    expect(embed.images.map((i) => i.aspectRatio)).toEqual(images.map((i) => ({ width: i.width, height: i.height })));
  });

  it('webhook: signed links to each file, which a receiver can fetch without a key', async () => {
    const channel = await createChannel(t, lead, {
      name: 'Acme Webhook',
      platform: 'webhook',
      approvalRequired: false,
      credentials: { url: `${webhook.url}/hooks/palinsesto`, secret: 'whsec-0123456789abcdef' },
    });
    const when = nextSlot();
    await schedulePost(t, lead.key, channel.id, when, { body: 'Four photos of the fair', media: media() });
    t.clock.set(when);
    await t.dispatcher.drain();
    expect(webhook.deliveries).toHaveLength(1);
    const payload = webhook.deliveries[0].json as { media: { url: string; alt: string; sha256: string }[] };
    expect(payload.media.map((m) => m.alt)).toEqual(expectedAlts);
    expect(payload.media.map((m) => m.sha256)).toEqual(images.map((i) => i.sha256));
    const { pathname, search } = new URL(payload.media[2].url);
    const file = await t.http.get(`${pathname}${search}`).expect(200); // no Authorization header
    expect(file.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(file.body as Buffer).metadata();
    expect([meta.width, meta.height]).toEqual([1200, 800]);
  });

  it('refuses what the platform cannot carry, when the post is saved and when it is scheduled, and publishes nothing', async () => {
    // A Mastodon instance that takes two attachments and 100 characters (its own /api/v2/instance says so).
    const small = new MastodonFake({
      accessToken: TOKEN,
      characterLimit: 100,
      configuration: { maxMediaAttachments: 2 },
    });
    await small.start();
    try {
      const onSmall = await createChannel(t, lead, {
        name: 'Small instance',
        platform: 'mastodon',
        approvalRequired: false,
        credentials: { instanceUrl: small.url, accessToken: TOKEN },
      });
      const refused = await t.http
        .post(`/v1/channels/${onSmall.id}/posts`)
        .set(auth(lead.key))
        .send({ body: 'Four photos', category: 'informative', media: media() })
        .expect(422);
      expect(refused.body.detail).toMatch(/at most 2/);
      const long = await t.http
        .post(`/v1/channels/${onSmall.id}/posts`)
        .set(auth(lead.key))
        .send({ body: 'x'.repeat(150), category: 'informative' })
        .expect(422);
      expect(long.body.detail).toMatch(/limit is 100/);

      const onBluesky = await createChannel(t, lead, {
        name: 'Acme Bluesky 2',
        platform: 'bluesky',
        approvalRequired: false,
        credentials: { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' },
      });
      const five = [...media(), { id: images[0].id }];
      const tooMany = await t.http
        .post(`/v1/channels/${onBluesky.id}/posts`)
        .set(auth(lead.key))
        .send({ body: 'Five photos', category: 'informative', media: five })
        .expect(422);
      expect(tooMany.body.detail).toMatch(/Bluesky takes at most 4 images/);

      // Saved while it fitted; then the library loses an alt text the channel requires: the
      // schedule is refused and the post stays a draft.
      const draft = await t.http
        .post(`/v1/channels/${onBluesky.id}/posts`)
        .set(auth(lead.key))
        .send({ body: 'One photo', category: 'informative', media: [{ id: images[3].id }] })
        .expect(201);
      await t.http.patch(`/v1/media/${images[3].id}`).set(auth(lead.key)).send({ alt: '' }).expect(200);
      const when = nextSlot();
      const schedule = await t.http
        .post(`/v1/posts/${draft.body.id}/schedule`)
        .set(auth(lead.key))
        .send({ scheduledAt: when.toISOString() })
        .expect(422);
      expect(schedule.body.detail).toMatch(/requires alt text/);
      await t.http
        .patch(`/v1/media/${images[3].id}`)
        .set(auth(lead.key))
        .send({ alt: 'A tall green banner' })
        .expect(200);

      const published = bluesky.records.length;
      t.clock.set(when);
      await t.dispatcher.drain();
      expect(await postState(t, lead.key, draft.body.id)).toMatchObject({ status: 'draft' });
      expect(small.statuses).toHaveLength(0);
      expect(bluesky.records.length).toBe(published);
    } finally {
      await small.stop();
    }
  });

  it('a file removed from the library fails the post rather than publishing it without it', async () => {
    const channel = await createChannel(t, lead, {
      name: 'Acme Mastodon 2',
      platform: 'mastodon',
      approvalRequired: false,
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
    });
    const file = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#999' } })
      .png()
      .toBuffer();
    const res = await t.http
      .post(`/v1/workspaces/${workspaceId}/media`)
      .set(auth(lead.key))
      .field('alt', 'A grey tile')
      .attach('file', file, { filename: 'tile.png', contentType: 'image/png' })
      .expect(201);
    const when = nextSlot();
    const post = await schedulePost(t, lead.key, channel.id, when, {
      body: 'A grey tile',
      media: [{ id: res.body.id }],
    });
    // The library refuses the delete while the post waits for the file...
    await t.http.delete(`/v1/media/${res.body.id}`).set(auth(lead.key)).expect(409);
    // ...so only an operator removing the row by hand can do it.
    await t.db.query('DELETE FROM media WHERE id = $1', [res.body.id]);
    const before = mastodon.statuses.length;
    t.clock.set(when);
    await t.dispatcher.drain();
    const state = await postState(t, lead.key, post.id);
    expect(state).toMatchObject({ status: 'failed', failureReason: 'rejected' });
    expect(state.lastError).toMatch(/no longer in the media library/);
    expect(mastodon.statuses.length).toBe(before);
  });
});
