import { Logger } from '@nestjs/common';
import sharp from 'sharp';
import { FixedClock } from '../../common/clock';
import { EgressGuard } from '../../egress/egress-guard';
import { BlueskyFake } from '../../../test/fakes/bluesky.fake';
import { TEST_TIMEOUT_MS } from '../../../test/fakes/http-fake';
import { loopbackEgress } from '../../../test/fakes/loopback';
import { testImage, testVideo } from '../../../test/fakes/media-fixtures';
import { WebPageFake } from '../../../test/fakes/web-page.fake';
import { BlueskyAdapter } from './bluesky.adapter';
import { PublishHttpClient } from './http-client';
import { LinkCardFetcher } from './link-card.fetcher';
import { InMemoryMediaUploadLedger } from './media-upload-ledger';
import type { PublishablePost, PublishTarget } from './platform-adapter';
import { PublishError } from './publish-error';

Logger.overrideLogger(['error', 'warn']);

const HANDLE = 'bottega.example.com';
const PASSWORD = 'abcd-efgh-ijkl-mnop';

function post(overrides: Partial<PublishablePost> = {}): PublishablePost {
  return {
    id: 'a1b2c3d4-0000-4000-8000-00000000beef',
    body: 'La vetrina di primavera',
    category: 'informative',
    scheduledAt: new Date('2026-06-01T07:00:00Z'),
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<PublishError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PublishError) return error;
    throw error;
  }
  throw new Error('expected the publication to fail');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the record as the stand-in stored it
type Embed = any;

describe('BlueskyAdapter with media and link cards, against the Bluesky stand-in', () => {
  let fake: BlueskyFake;
  let pages: WebPageFake;
  let target: PublishTarget;
  const clock = new FixedClock(new Date('2026-06-01T07:00:00Z'));
  const http = (): PublishHttpClient =>
    new PublishHttpClient(
      { timeoutMs: TEST_TIMEOUT_MS, mediaPollIntervalMs: 10, linkCardMaxBytes: 64 * 1024, linkCardTimeoutMs: 2_000 },
      clock,
      loopbackEgress(),
    );
  const adapter = (cards = new LinkCardFetcher(loopbackEgress())): BlueskyAdapter =>
    new BlueskyAdapter(http(), clock, cards);
  const embedOf = (i = 0): Embed => fake.records[i]!.value['embed'] as Embed;

  beforeEach(async () => {
    fake = new BlueskyFake({ handle: HANDLE, password: PASSWORD });
    pages = new WebPageFake();
    const base = await fake.start();
    await pages.start();
    target = {
      channelId: 'bsky-1',
      platform: 'bluesky',
      name: 'Bottega',
      handle: HANDLE,
      credentials: { service: base, identifier: HANDLE, appPassword: PASSWORD, videoService: base },
    };
  });
  afterEach(async () => {
    await fake.stop();
    await pages.stop();
  });

  it('publishes 4 images in order with their alt texts and aspect ratios, a large one re-encoded to fit 1,000,000 bytes', async () => {
    const images = [
      await testImage({ id: 'a', width: 1200, height: 800, alt: 'La vetrina' }),
      await testImage({ id: 'b', width: 800, height: 1200, alt: 'Il banco' }),
      await testImage({ id: 'c', width: 1500, height: 1000, alt: 'Le forme di pane', noise: true }),
      await testImage({ id: 'd', width: 1000, height: 1000, alt: 'Il forno' }),
    ];
    expect(images[2]!.bytes).toBeGreaterThan(1_000_000);

    await adapter().publish(post({ media: images }), target, 'key-images');

    expect(fake.records).toHaveLength(1);
    const embed = embedOf() as {
      $type: string;
      images: { alt: string; aspectRatio: { width: number; height: number }; image: { size: number } }[];
    };
    expect(embed.$type).toBe('app.bsky.embed.images');
    expect(embed.images.map((i) => i.alt)).toEqual(['La vetrina', 'Il banco', 'Le forme di pane', 'Il forno']);
    const ratios = embed.images.map((i) => i.aspectRatio.width / i.aspectRatio.height);
    expect(ratios.map((r) => r.toFixed(2))).toEqual(['1.50', '0.67', '1.50', '1.00']);
    expect(embed.images[0]!.aspectRatio).toEqual({ width: 1200, height: 800 });
    expect(embed.images[2]!.image.size).toBeLessThanOrEqual(1_000_000);
    expect(images.every((i) => i.opens[0]?.maxBytes === 1_000_000)).toBe(true);
  }, 30_000);

  it('refuses what Bluesky cannot carry before uploading anything', async () => {
    const five = await Promise.all(
      [1, 2, 3, 4, 5].map((i) => testImage({ id: `x${i}`, width: 10, height: 10, alt: 'x' })),
    );
    const tooMany = await failure(adapter().publish(post({ media: five }), target, 'key-5'));
    expect(tooMany.kind).toBe('rejected');
    expect(tooMany.message).toBe('Bluesky takes at most 4 images; this post has 5.');
    const mixed = await failure(
      adapter().publish(post({ media: [five[0]!, testVideo({ id: 'v' })] }), target, 'key-mixed'),
    );
    expect(mixed.message).toMatch(/either one video or up to 4 images/);
    expect(fake.requests).toHaveLength(0);
  });

  it('publishes a video through the video service once its job completes', async () => {
    const video = testVideo({ id: 'v1', alt: 'Il forno a legna', width: 1920, height: 1080 });

    await adapter().publish(post({ media: [video] }), target, 'key-video');

    const calls = fake.requests.map((r) => r.path.replace('/xrpc/', ''));
    expect(calls.filter((c) => c === 'app.bsky.video.getJobStatus')).toHaveLength(3);
    expect(calls.indexOf('app.bsky.video.uploadVideo')).toBeLessThan(calls.indexOf('com.atproto.repo.createRecord'));
    expect([...fake.serviceTokens.values()].map((t) => [t.aud, t.lxm])).toEqual([
      [fake.didWeb, 'app.bsky.video.getUploadLimits'],
      [fake.didWeb, 'com.atproto.repo.uploadBlob'],
    ]);
    const embed = embedOf() as {
      $type: string;
      alt: string;
      aspectRatio: unknown;
      video: { size: number; mimeType: string };
    };
    expect(embed).toMatchObject({
      $type: 'app.bsky.embed.video',
      alt: 'Il forno a legna',
      aspectRatio: { width: 1920, height: 1080 },
      video: { size: video.bytes, mimeType: 'video/mp4' },
    });
  });

  it('refuses a video when the video service says the account cannot upload', async () => {
    const limited = new BlueskyFake({ handle: HANDLE, password: PASSWORD, videoUploadLimits: { canUpload: false } });
    const base = await limited.start();
    try {
      const error = await failure(
        adapter().publish(
          post({ media: [testVideo({ id: 'v' })] }),
          {
            ...target,
            credentials: { ...target.credentials, service: base, videoService: base },
          },
          'key-limited',
        ),
      );
      expect(error.kind).toBe('rejected');
      expect(error.message).toMatch(/video service does not take a video/);
      expect(limited.videoJobs).toHaveLength(0);
    } finally {
      await limited.stop();
    }
  });

  it('retries after a 503 during an upload: the post exists once and each image is uploaded once', async () => {
    const images = await Promise.all(
      [0, 1, 2].map((i) =>
        testImage({ id: `r${i}`, width: 400, height: 300, alt: `Foto ${i}`, background: ['#111', '#555', '#999'][i] }),
      ),
    );
    const ledger = new InMemoryMediaUploadLedger();
    const a = adapter();
    fake.failBlobUpload(2, 503);

    const error = await failure(a.publish(post({ media: images }), target, 'key-retry', undefined, ledger));
    expect(error.kind).toBe('transient');
    expect(fake.records).toHaveLength(0);

    await a.publish(post({ media: images }), target, 'key-retry', undefined, ledger);
    await a.publish(post({ media: images }), target, 'key-retry', undefined, ledger); // after an unknown outcome

    expect(fake.records).toHaveLength(1);
    expect(fake.blobs.size).toBe(3);
    expect(images.map((i) => i.opens.length)).toEqual([1, 2, 1]);
    expect((embedOf() as { images: { alt: string }[] }).images.map((i) => i.alt)).toEqual([
      'Foto 0',
      'Foto 1',
      'Foto 2',
    ]);
  });

  it('renews an expired session in the middle of the uploads without uploading an image twice', async () => {
    const images = await Promise.all(
      [0, 1].map((i) =>
        testImage({ id: `s${i}`, width: 300, height: 200, alt: `Foto ${i}`, background: ['#123', '#abc'][i] }),
      ),
    );
    const a = adapter();
    await a.publish(post({ id: 'warm', body: 'Prima' }), target, 'key-warm'); // a cached session
    fake.expireAccessTokens();

    await a.publish(post({ media: images }), target, 'key-renew');

    expect(fake.refreshSessionCalls).toBe(1);
    expect(fake.blobs.size).toBe(2);
    // The first upload met the expired token (nothing stored) and was sent again once renewed; the second went once.
    expect(images.map((i) => i.opens.length)).toEqual([2, 1]);
    expect(fake.records.at(-1)!.value['embed']).toMatchObject({ $type: 'app.bsky.embed.images' });
  });

  it("gives a post with a link and no media a card with the page's title, description and image", async () => {
    const image = await sharp({ create: { width: 1200, height: 630, channels: 3, background: '#c93' } })
      .png()
      .toBuffer();
    pages.file('/og.png', image, 'image/png');
    pages.page(
      '/articolo',
      `<!doctype html><html><head><title>Fallback</title>
       <meta property="og:title" content="Il pane del sabato &amp; la focaccia">
       <meta content="Come lo facciamo, passo per passo." property="og:description">
       <meta property="og:image" content="/og.png"></head><body>…</body></html>`,
    );
    pages.redirect('/breve', '/articolo');

    await adapter().publish(post({ body: 'Sabato si inforna', link: `${pages.url}/breve` }), target, 'key-card');

    const embed = embedOf() as {
      $type: string;
      external: { uri: string; title: string; description: string; thumb: { mimeType: string; size: number } };
    };
    expect(embed.$type).toBe('app.bsky.embed.external');
    expect(embed.external).toMatchObject({
      uri: `${pages.url}/breve`,
      title: 'Il pane del sabato & la focaccia',
      description: 'Come lo facciamo, passo per passo.',
      thumb: { mimeType: 'image/png', size: image.length },
    });
  });

  it('reads at most the limit of a large page: the card comes from its head, the rest is never downloaded', async () => {
    const total = 50 * 1024 * 1024;
    pages.largePage('/grande', '<html><head><meta property="og:title" content="Pagina enorme"></head><body>', total);
    pages.largePage('/senza-testa', `<html><body>${' '.repeat(100 * 1024)}<title>Troppo tardi</title>`, total);

    await adapter().publish(post({ body: `Leggi ${pages.url}/grande` }), target, 'key-large');
    await adapter().publish(post({ id: 'other', body: `Leggi ${pages.url}/senza-testa` }), target, 'key-no-head');

    expect((embedOf(0) as { external: { title: string } }).external.title).toBe('Pagina enorme');
    expect(fake.records[1]!.value['embed']).toBeUndefined(); // the title was past the limit: no card, still published
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pages.sent.get('/grande')).toBeLessThan(total / 4);
    expect(pages.sent.get('/senza-testa')).toBeLessThan(total / 4);
  });

  it('refuses a card page outside EGRESS_ALLOW, directly and through a redirect, and publishes without a card', async () => {
    pages.page('/ok', '<title>Pagina</title>');
    pages.redirect('/fuori', `http://127.0.0.2:${pages.port}/ok`);
    const strict = new LinkCardFetcher(new EgressGuard({ egressAllow: [] }));
    const onlyFirstHop = new LinkCardFetcher(new EgressGuard({ egressAllow: ['127.0.0.1/32'] }));
    const limits = { maxPageBytes: 65_536, maxImageBytes: 1_000_000, timeoutMs: 2_000 };

    expect(await strict.fetchCard(`${pages.url}/ok`, limits)).toEqual({
      card: null,
      reason: 'the page could not be read (the address 127.0.0.1 is not allowed: it is not a public internet address)',
    });
    expect(await onlyFirstHop.fetchCard(`${pages.url}/fuori`, limits)).toEqual({
      card: null,
      reason: 'the page could not be read (the address 127.0.0.2 is not allowed: it is not a public internet address)',
    });
    expect(pages.requested).toEqual(['/fuori']);

    await adapter(strict).publish(post({ body: `Leggi ${pages.url}/ok` }), target, 'key-refused');
    expect(fake.records).toHaveLength(1);
    expect(fake.records[0]!.value['embed']).toBeUndefined();
  });
});

describe('the Bluesky stand-in validates embeds on createRecord and applyWrites alike', () => {
  const fake = new BlueskyFake({ handle: HANDLE, password: PASSWORD });
  let token: string;
  const xrpc = async (nsid: string, body: unknown, contentType = 'application/json') => {
    const response = await fetch(`${fake.url}/xrpc/${nsid}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    await fake.start();
    const session = await fetch(`${fake.url}/xrpc/com.atproto.server.createSession`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identifier: HANDLE, password: PASSWORD }),
    });
    token = ((await session.json()) as { accessJwt: string }).accessJwt;
  });
  afterAll(() => fake.stop());

  it('refuses images without alt, blobs never uploaded, too many images and fractional aspect ratios', async () => {
    const uploaded = await xrpc('com.atproto.repo.uploadBlob', new Uint8Array([1, 2, 3]), 'image/png');
    const blob = uploaded.body['blob'];
    const record = (embed: unknown) => ({
      $type: 'app.bsky.feed.post',
      text: 'x',
      createdAt: new Date().toISOString(),
      embed,
    });
    const images = (list: unknown[]) => ({ $type: 'app.bsky.embed.images', images: list });
    const cases: [unknown, RegExp][] = [
      [images([{ image: blob }]), /must have the property "alt"/],
      [
        images([{ image: { ...(blob as object), ref: { $link: 'bafkreinotuploaded' } }, alt: '' }]),
        /Could not find blob/,
      ],
      [images([1, 2, 3, 4, 5].map(() => ({ image: blob, alt: 'a' }))), /more than 4/],
      [
        images([{ image: blob, alt: 'a', aspectRatio: { width: 1.5, height: 1 } }]),
        /aspectRatio\/width must be an integer/,
      ],
      [{ $type: 'app.bsky.embed.external', external: { uri: 'https://example.com', title: 't' } }, /"description"/],
    ];
    for (const [embed, reason] of cases) {
      const viaCreate = await xrpc('com.atproto.repo.createRecord', {
        repo: fake.did,
        collection: 'app.bsky.feed.post',
        record: record(embed),
      });
      const viaApply = await xrpc('com.atproto.repo.applyWrites', {
        repo: fake.did,
        writes: [
          { $type: 'com.atproto.repo.applyWrites#create', collection: 'app.bsky.feed.post', value: record(embed) },
        ],
      });
      expect([viaCreate.status, viaApply.status]).toEqual([400, 400]);
      expect(viaCreate.body['message']).toMatch(reason);
      expect(viaApply.body['message']).toMatch(reason);
    }
    const ok = await xrpc('com.atproto.repo.applyWrites', {
      repo: fake.did,
      writes: [
        {
          $type: 'com.atproto.repo.applyWrites#create',
          collection: 'app.bsky.feed.post',
          value: record(images([{ image: blob, alt: 'ok', aspectRatio: { width: 3, height: 2 } }])),
        },
      ],
    });
    expect(ok.status).toBe(200);
    expect(fake.records).toHaveLength(1);
  });
});
