import { BlueskyFake } from '../fakes/bluesky.fake';
import { MastodonFake } from '../fakes/mastodon.fake';
import { WebPageFake } from '../fakes/web-page.fake';
import { BlueskyAdapter } from '../../src/publishing/adapters/bluesky.adapter';
import { PlatformLimitsService } from '../../src/publishing/adapters/platform-limits.service';
import { createTestApp, type TestApp } from '../support/test-app';

// The media side of the adapters as the application assembles them (DI, APP_CONFIG).
describe('platform media in the application', () => {
  let t: TestApp;
  let cards: TestApp;
  const mastodon = new MastodonFake({ accessToken: 'token-0123456789abcdef', characterLimit: 5000 });
  const bluesky = new BlueskyFake({ handle: 'acme.bsky.social', password: 'app-pass-1234' });
  const pages = new WebPageFake();

  beforeAll(async () => {
    await Promise.all([mastodon.start(), bluesky.start(), pages.start()]);
    t = await createTestApp();
    cards = await createTestApp({ config: { linkCards: true } });
    pages.page(
      '/a',
      '<head><meta property="og:title" content="Il titolo"><meta name="description" content="Due righe"></head>',
    );
  });
  afterAll(async () => {
    await Promise.all([t.close(), cards.close()]);
    await Promise.all([mastodon.stop(), bluesky.stop(), pages.stop()]);
  });

  it("exports PlatformLimitsService, which asks the instance through the application's egress guard", async () => {
    const limits = await t.app
      .get(PlatformLimitsService)
      .limitsFor({ platform: 'mastodon', credentials: { instanceUrl: mastodon.url, accessToken: 'x' } });
    expect(limits).toMatchObject({ source: 'instance', text: { maxCharacters: 5000 } });
  });

  it('gives Bluesky posts link cards only with LINK_CARDS on', async () => {
    const target = {
      channelId: 'c',
      platform: 'bluesky' as const,
      name: 'B',
      handle: 'acme.bsky.social',
      credentials: { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' },
    };
    const post = (id: string) => ({
      id,
      body: `Leggi ${pages.url}/a`,
      category: 'informative',
      scheduledAt: new Date('2027-01-04T08:00:00Z'),
    });
    await t.app.get(BlueskyAdapter).publish(post('00000000-0000-4000-8000-000000000001'), target, 'k-off');
    await cards.app.get(BlueskyAdapter).publish(post('00000000-0000-4000-8000-000000000002'), target, 'k-on');

    expect(bluesky.records).toHaveLength(2);
    expect(bluesky.records[0]!.value['embed']).toBeUndefined();
    expect(bluesky.records[1]!.value['embed']).toEqual({
      $type: 'app.bsky.embed.external',
      external: { uri: `${pages.url}/a`, title: 'Il titolo', description: 'Due righe' },
    });
    expect(pages.requested).toEqual(['/a']);
  });
});
