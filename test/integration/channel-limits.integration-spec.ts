import { MastodonFake } from '../fakes/mastodon.fake';
import { auth, createChannel, seedWorkspace } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/test-app';

// GET /v1/channels/{cid}/limits: what the page's composer checks a post against before
// saving, the very numbers the server checks at save and schedule.
const TOKEN = 'mastodon-token-0123456789';

describe('GET /v1/channels/{cid}/limits', () => {
  let t: TestApp;
  let mastodon: MastodonFake;

  beforeAll(async () => {
    mastodon = new MastodonFake({
      accessToken: TOKEN,
      characterLimit: 1000,
      configuration: { maxMediaAttachments: 6, descriptionLimit: 800 },
    });
    [t] = await Promise.all([createTestApp(), mastodon.start()]);
  });
  afterAll(async () => {
    await mastodon.stop();
    await t.close();
  });

  it('answers a Mastodon instance’s own limits, to any member of the workspace', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      name: 'Big Mastodon',
      platform: 'mastodon',
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
    });
    const res = await t.http.get(`/v1/channels/${channel.id}/limits`).set(auth(ws.viewer.key)).expect(200);
    expect(res.body).toMatchObject({
      platform: 'mastodon',
      source: 'instance',
      text: { maxCharacters: 1000, unit: 'characters', urlWeight: 23 },
      media: { maxItems: 6, altMaxLength: 800 },
    });
  });

  it('answers the platform’s stock limits for Bluesky, none for a webhook', async () => {
    const ws = await seedWorkspace(t);
    const bluesky = await createChannel(t, ws.lead, {
      name: 'Sky',
      platform: 'bluesky',
      credentials: { service: 'http://127.0.0.1:9', identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' },
    });
    const res = await t.http.get(`/v1/channels/${bluesky.id}/limits`).set(auth(ws.editor.key)).expect(200);
    expect(res.body).toMatchObject({
      platform: 'bluesky',
      source: 'default',
      text: { maxCharacters: 300, unit: 'graphemes' },
      media: { maxImages: 4, imageMaxBytes: null, videoMaxDurationMs: 180_000 },
    });
    const hook = await createChannel(t, ws.lead, {
      name: 'Hook',
      platform: 'webhook',
      credentials: { url: 'http://127.0.0.1:9/hook', secret: 'a-webhook-secret-0123456789' },
    });
    const none = await t.http.get(`/v1/channels/${hook.id}/limits`).set(auth(ws.lead.key)).expect(200);
    expect(none.body).toMatchObject({ platform: 'webhook', text: null, media: null });
  });

  it('is a 404 for another workspace’s channel, and needs authentication', async () => {
    const a = await seedWorkspace(t);
    const b = await seedWorkspace(t);
    const channel = await createChannel(t, a.lead, { name: 'Mine', platform: 'mock' });
    const res = await t.http.get(`/v1/channels/${channel.id}/limits`).set(auth(b.lead.key)).expect(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    await t.http.get(`/v1/channels/${channel.id}/limits`).expect(401);
  });
});
