import { BlueskyFake } from '../fakes/bluesky.fake';
import { MastodonFake } from '../fakes/mastodon.fake';
import { WebPageFake } from '../fakes/web-page.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';
import { findLinks } from '../../src/content/links';
import { LinksService } from '../../src/links/links.service';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { createTestApp } from '../support/test-app';
import { createPublishingApp, postState, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';

// Acceptance 2 (issue 15): tracked links end to end. Posts are published through the
// stand-ins (webhook, Mastodon, Bluesky) by the dispatcher under a FixedClock; readers
// follow the links over HTTP.
const T0 = '2027-01-04T08:00:00Z';
const PUBLIC_URL = 'https://go.palinsesto.test';
const TRACKED = new RegExp(`^${PUBLIC_URL.replace(/\./g, '\\.')}/l/([0-9A-Za-z]{12})$`);
const TOKEN = 'mastodon-token-0123456789';
const SECRET = 'whsec-0123456789abcdef';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const MASTODON_FETCHER = 'http.rb/5.2.0 (Mastodon/4.3.2; +https://mastodon.social/)';

/** The tracked links in a text, in order. */
const trackedIn = (text: string) =>
  findLinks(text)
    .map((l) => l.url)
    .filter((url) => TRACKED.test(url));
const codeOf = (url: string) => TRACKED.exec(url)![1];

describe('tracked links (channel trackLinks)', () => {
  let t: PublishingTestApp;
  let lead: Session;
  let links: LinksService;
  const webhook = new WebhookReceiverFake();
  const mastodon = new MastodonFake({ accessToken: TOKEN });
  const bluesky = new BlueskyFake({ handle: 'acme.bsky.social', password: 'app-pass-1234' });
  const pages = new WebPageFake();
  let minute = 0;

  /** Schedules a post in its own minute and publishes it. */
  const publish = async (channelId: string, body: Record<string, unknown>) => {
    minute += 10;
    const when = new Date(Date.parse(T0) + minute * 60_000);
    t.clock.set(new Date(when.getTime() - 60_000));
    const post = await schedulePost(t, lead.key, channelId, when, body);
    t.clock.set(new Date(when.getTime() + 1000));
    await t.dispatcher.drain();
    return post;
  };
  const clicksOf = async (postId: string) => {
    await links.flush();
    return (await links.countsByPost([postId], new Date('2100-01-01T00:00:00Z'))).get(postId) ?? 0;
  };

  beforeAll(async () => {
    await Promise.all([webhook.start(), mastodon.start(), bluesky.start(), pages.start()]);
    t = await createPublishingApp({
      now: T0,
      config: { publicUrl: PUBLIC_URL, linkCards: true },
      options: { retryBaseMs: 10_000, retryMaxMs: 60_000 },
    });
    ({ lead } = await seedWorkspace(t));
    links = t.app.get(LinksService);
    pages.page(
      '/article',
      '<head><meta property="og:title" content="The article"><meta name="description" content="Two lines"></head>',
    );
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([webhook.stop(), mastodon.stop(), bluesky.stop(), pages.stop()]);
  });

  const hookChannel = (extra: Record<string, unknown> = {}) =>
    createChannel(t, lead, {
      name: `Hook ${minute}`,
      platform: 'webhook',
      approvalRequired: false,
      credentials: { url: `${webhook.url}/hooks/palinsesto`, secret: SECRET },
      ...extra,
    });
  const mastodonChannel = (extra: Record<string, unknown> = {}) =>
    createChannel(t, lead, {
      name: `Mastodon ${minute}`,
      platform: 'mastodon',
      approvalRequired: false,
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
      ...extra,
    });

  it('is off by default and can be turned on and off', async () => {
    const channel = await hookChannel();
    expect(channel.trackLinks).toBe(false);
    const on = await t.http
      .patch(`/v1/channels/${channel.id}`)
      .set(auth(lead.key))
      .send({ trackLinks: true })
      .expect(200);
    expect(on.body.trackLinks).toBe(true);
    const bad = await t.http
      .patch(`/v1/channels/${channel.id}`)
      .set(auth(lead.key))
      .send({ trackLinks: 'yes' })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('trackLinks');
    expect((await t.http.get(`/v1/channels/${channel.id}`).set(auth(lead.key)).expect(200)).body.trackLinks).toBe(true);
  });

  it('publishes {PUBLIC_URL}/l/{code} links, the same text on a retry, redirecting to the UTM-tagged targets', async () => {
    const channel = await hookChannel({ trackLinks: true, utm: { campaign: 'spring-27' } });
    webhook.respondWith(500, { error: 'try later' });
    const before = webhook.deliveries.length;
    const post = await publish(channel.id, {
      body: 'Read https://example.com/a?ref=x#top, then (https://example.org/b). Again: https://example.com/a?ref=x#top',
      link: 'https://example.com/c',
    });
    expect((await postState(t, lead.key, post.id)).status).toBe('scheduled');
    webhook.respondWith(200, { ok: true });
    t.clock.advance(60_000);
    await t.dispatcher.drain();
    expect((await postState(t, lead.key, post.id)).status).toBe('published');

    const deliveries = webhook.deliveries.slice(before).map((d) => d.json as { body: string; link: string });
    expect(deliveries).toHaveLength(2);
    // Idempotent: the retry published exactly the text of the first attempt.
    expect(deliveries[1].body).toBe(deliveries[0].body);
    expect(deliveries[1].link).toBe(deliveries[0].link);

    const { body, link } = deliveries[1];
    const inBody = trackedIn(body);
    expect(inBody).toHaveLength(3);
    expect(inBody[2]).toBe(inBody[0]); // the same link twice: one code
    expect(new Set([...inBody, link]).size).toBe(3);
    expect(link).toMatch(TRACKED);
    expect(body).toBe(`Read ${inBody[0]}, then (${inBody[1]}). Again: ${inBody[0]}`);
    expect(body).not.toContain('example.');

    const follow = (url: string) => t.http.get(new URL(url).pathname).set('User-Agent', CHROME).expect(302);
    const first = await follow(inBody[0]);
    expect(first.headers.location).toBe(
      'https://example.com/a?ref=x&utm_source=webhook&utm_medium=social&utm_campaign=spring-27#top',
    );
    expect(first.headers['cache-control']).toBe('private, no-store');
    expect(first.headers['referrer-policy']).toBe('no-referrer');
    expect(first.headers['set-cookie']).toBeUndefined();
    expect((await follow(inBody[1])).headers.location).toBe(
      'https://example.org/b?utm_source=webhook&utm_medium=social&utm_campaign=spring-27',
    );
    expect((await follow(link)).headers.location).toBe(
      'https://example.com/c?utm_source=webhook&utm_medium=social&utm_campaign=spring-27',
    );
    // Three reader clicks, one per follow.
    expect(await clicksOf(post.id)).toBe(3);
    const byLink = await links.clicksByLink([post.id], new Date(T0), new Date('2100-01-01T00:00:00Z'));
    expect(byLink.map((l) => [l.code, l.clicks]).sort()).toEqual(
      [codeOf(inBody[0]), codeOf(inBody[1]), codeOf(link)].map((c) => [c, 1]).sort(),
    );
  });

  it('counts a reader once; previews, bots, prefetches and HEAD are redirected but not counted', async () => {
    const channel = await mastodonChannel({ trackLinks: true });
    const post = await publish(channel.id, { body: 'New: https://example.com/news' });
    const text = mastodon.statuses.at(-1)!.text;
    const [url] = trackedIn(text);
    expect(text).toBe(`New: ${url}`);
    const path = new URL(url).pathname;

    const expectRedirect = (res: { status: number; headers: Record<string, string> }) => {
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('https://example.com/news');
    };
    // Every instance that receives the post fetches its link for the card.
    expectRedirect(await t.http.get(path).set('User-Agent', MASTODON_FETCHER));
    expectRedirect(
      await t.http.get(path).set('User-Agent', 'Mastodon/4.2.8 (http.rb/5.1.1; +https://social.example/)'),
    );
    expectRedirect(await t.http.head(path).set('User-Agent', CHROME));
    expectRedirect(await t.http.get(path).set('User-Agent', CHROME).set('Sec-Purpose', 'prefetch;prerender'));
    expectRedirect(await t.http.get(path).set('User-Agent', CHROME).set('Purpose', 'prefetch'));
    expectRedirect(
      await t.http.get(path).set('User-Agent', 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)'),
    );
    expectRedirect(
      await t.http.get(path).set('User-Agent', 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)'),
    );
    expectRedirect(await t.http.get(path).set('User-Agent', 'curl/8.5.0'));
    expectRedirect(await t.http.get(path).set('User-Agent', ''));
    expect(await clicksOf(post.id)).toBe(0);

    expectRedirect(await t.http.get(path).set('User-Agent', CHROME));
    expect(await clicksOf(post.id)).toBe(1);
  });

  it('answers 404 to unknown and malformed codes, and never redirects anywhere but a code’s target', async () => {
    const channel = await hookChannel({ trackLinks: true });
    await publish(channel.id, { body: 'See https://example.com/only' });
    const [url] = trackedIn((webhook.deliveries.at(-1)!.json as { body: string }).body);
    const code = codeOf(url);
    const swapped = code === code.toUpperCase() ? code.toLowerCase() : code.toUpperCase();

    const unknown = await t.http.get('/l/AAAAAAAAAAAA').set('User-Agent', CHROME).expect(404);
    expect(unknown.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(unknown.headers.location).toBeUndefined();
    expect(JSON.stringify(unknown.body)).not.toContain(code);
    for (const path of [
      `/l/${swapped}`, // codes are case-sensitive
      `/l/${code.slice(0, 11)}`,
      `/l/${code}x`,
      `/l/${code}/https://evil.example`,
      `/l/${code}/..%2F..%2Fevil`,
      `/l/%2F%2Fevil.example`,
      `/l/https%3A%2F%2Fevil.example`,
      `/l/${code}%00`,
      `/l/${code}%2F`,
      '/l/',
    ]) {
      const res = await t.http.get(path).set('User-Agent', CHROME);
      if (res.status !== 404) throw new Error(`${path} answered ${res.status} ${res.headers.location ?? ''}`);
      expect(res.headers.location).toBeUndefined();
    }
    for (const path of [
      `/l/${code}?url=https://evil.example`,
      `/l/${code}?next=//evil.example&redirect=https%3A%2F%2Fevil.example`,
      `/l/${code}#https://evil.example`,
      `/l/${code}/`,
    ]) {
      const res = await t.http
        .get(path)
        .set('User-Agent', CHROME)
        .set('Host', 'evil.example')
        .set('X-Forwarded-Host', 'evil.example')
        .set('Referer', 'https://evil.example/');
      expect([res.status, res.headers.location]).toEqual([302, 'https://example.com/only']);
    }
  });

  it('publishes the original UTM-tagged links on a channel that does not track them', async () => {
    const channel = await mastodonChannel({ utm: { campaign: 'plain' } });
    await publish(channel.id, { body: 'Read https://example.com/plain' });
    expect(mastodon.statuses.at(-1)!.text).toBe(
      'Read https://example.com/plain?utm_source=mastodon&utm_medium=social&utm_campaign=plain',
    );
  });

  it('gives Bluesky the tracked link in the text, its facet and its card, the card describing the target page', async () => {
    const channel = await createChannel(t, lead, {
      name: 'Bluesky tracked',
      platform: 'bluesky',
      handle: 'acme.bsky.social',
      approvalRequired: false,
      trackLinks: true,
      utm: { campaign: 'sky' },
      credentials: { service: bluesky.url, identifier: 'acme.bsky.social', appPassword: 'app-pass-1234' },
    });
    const requestedBefore = pages.requested.length;
    const post = await publish(channel.id, { body: `Read ${pages.url}/article today` });
    const record = bluesky.records.at(-1)!.value as {
      text: string;
      facets: { index: { byteStart: number; byteEnd: number }; features: { $type: string; uri?: string }[] }[];
      embed: { $type: string; external: { uri: string; title: string; description: string } };
    };
    const [url] = trackedIn(record.text);
    expect(record.text).toBe(`Read ${url} today`);
    const linkFacets = record.facets.filter((f) => f.features[0].$type === 'app.bsky.richtext.facet#link');
    expect(linkFacets).toEqual([
      {
        $type: 'app.bsky.richtext.facet',
        index: { byteStart: 5, byteEnd: 5 + Buffer.byteLength(url) },
        features: [{ $type: 'app.bsky.richtext.facet#link', uri: url }],
      },
    ]);
    expect(record.embed).toEqual({
      $type: 'app.bsky.embed.external',
      external: { uri: url, title: 'The article', description: 'Two lines' },
    });
    // The card was read from the page itself, not through the redirect (which counts nothing anyway).
    expect(pages.requested.slice(requestedBefore)).toEqual(['/article']);
    expect(await clicksOf(post.id)).toBe(0);
    const res = await t.http.get(new URL(url).pathname).set('User-Agent', CHROME).expect(302);
    expect(res.headers.location).toBe(`${pages.url}/article?utm_source=bluesky&utm_medium=social&utm_campaign=sky`);
  });
});

describe('tracked links without PUBLIC_URL', () => {
  it('refuses trackLinks: true with a 400 that names PUBLIC_URL, and changes nothing', async () => {
    const t = await createTestApp({ config: { publicUrl: undefined } });
    try {
      const { lead } = await seedWorkspace(t);
      const refused = await t.http
        .post(`/v1/workspaces/${lead.workspaceId}/channels`)
        .set(auth(lead.key))
        .send({ name: 'Tracked', platform: 'mock', handle: '@t', timezone: 'Europe/Rome', trackLinks: true })
        .expect(400);
      expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(refused.body.detail).toContain('PUBLIC_URL');
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'trackLinks' })]);
      const list = await t.http.get(`/v1/workspaces/${lead.workspaceId}/channels`).set(auth(lead.key)).expect(200);
      expect(list.body.items ?? list.body.data ?? list.body).toHaveLength(0);

      const channel = await createChannel(t, lead);
      await t.http.patch(`/v1/channels/${channel.id}`).set(auth(lead.key)).send({ trackLinks: true }).expect(400);
      const after = await t.http.get(`/v1/channels/${channel.id}`).set(auth(lead.key)).expect(200);
      expect(after.body).toMatchObject({ trackLinks: false, version: channel.version });
      await t.http.patch(`/v1/channels/${channel.id}`).set(auth(lead.key)).send({ trackLinks: false }).expect(200);
    } finally {
      await t.close();
    }
  });
});
