import { Logger } from '@nestjs/common';
import { FixedClock } from '../../common/clock';
import { TEST_TIMEOUT_MS } from '../../../test/fakes/http-fake';
import { loopbackEgress } from '../../../test/fakes/loopback';
import { MastodonFake } from '../../../test/fakes/mastodon.fake';
import { testImage, testVideo } from '../../../test/fakes/media-fixtures';
import { PublishHttpClient } from './http-client';
import { focusParam } from './mastodon-media';
import { MastodonAdapter } from './mastodon.adapter';
import { InMemoryMediaUploadLedger } from './media-upload-ledger';
import type { PublishablePost, PublishTarget } from './platform-adapter';
import { PublishError } from './publish-error';

Logger.overrideLogger(['error', 'warn']);

const TOKEN = 'mastodon-media-token-0123456789';

function post(overrides: Partial<PublishablePost> = {}): PublishablePost {
  return {
    id: '0b7e6a52-9f0c-4d1e-8a77-3c2b1d0e9f11',
    body: 'La vetrina di primavera.',
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

describe('MastodonAdapter with media, against the Mastodon stand-in', () => {
  let fake: MastodonFake;
  let target: PublishTarget;
  const clock = new FixedClock(new Date('2026-06-01T07:00:00Z'));
  const adapter = (processingTimeoutMs = 10_000): MastodonAdapter =>
    new MastodonAdapter(
      new PublishHttpClient(
        { timeoutMs: TEST_TIMEOUT_MS, mediaPollIntervalMs: 10, mediaProcessingTimeoutMs: processingTimeoutMs },
        clock,
        loopbackEgress(),
      ),
    );

  beforeEach(async () => {
    fake = new MastodonFake({ accessToken: TOKEN });
    const base = await fake.start();
    target = {
      channelId: 'c1',
      platform: 'mastodon',
      name: 'Bottega',
      handle: '@bottega@example.social',
      credentials: { instanceUrl: base, accessToken: TOKEN },
    };
  });
  afterEach(() => fake.stop());

  it('publishes 4 images in order, each with its description and focus', async () => {
    const images = await Promise.all(
      [
        [1200, 800],
        [800, 1200],
        [1000, 1000],
        [1600, 900],
      ].map(([width, height], i) =>
        testImage({
          id: `img-${i}`,
          width: width!,
          height: height!,
          alt: `Foto ${i + 1}: la vetrina`,
          focus: { x: 0.25 * i, y: -0.5 },
        }),
      ),
    );
    const ledger = new InMemoryMediaUploadLedger();

    const outcome = await adapter().publish(post({ media: images }), target, 'key-4-images', undefined, ledger);

    expect(fake.statuses).toHaveLength(1);
    const [status] = fake.statuses;
    expect(outcome.externalId).toBe(status!.id);
    expect(status!.media.map((m) => [m.description, m.focus, m.width, m.height])).toEqual([
      ['Foto 1: la vetrina', { x: 0, y: -0.5 }, 1200, 800],
      ['Foto 2: la vetrina', { x: 0.25, y: -0.5 }, 800, 1200],
      ['Foto 3: la vetrina', { x: 0.5, y: -0.5 }, 1000, 1000],
      ['Foto 4: la vetrina', { x: 0.75, y: -0.5 }, 1600, 900],
    ]);
    expect(status!.media.map((m) => m.sha256)).toEqual(images.map((i) => i.sha256));
    expect(ledger.entries.size).toBe(4);
  });

  it('waits for a video to be processed (202, then 206, then 200) before posting the status', async () => {
    const video = testVideo({ id: 'vid-1', alt: 'Il laboratorio al lavoro' });

    await adapter().publish(post({ media: [video] }), target, 'key-video');

    const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
    const upload = paths.indexOf('POST /api/v2/media');
    const polls = paths.filter((p) => p.startsWith('GET /api/v1/media/'));
    expect(upload).toBeGreaterThanOrEqual(0);
    expect(polls.length).toBe(3); // 206, 206, 200
    expect(paths.at(-1)).toBe('POST /api/v1/statuses');
    expect(fake.statuses[0]!.media).toMatchObject([{ type: 'video', description: 'Il laboratorio al lavoro' }]);
  });

  it('fails as transient when processing takes longer than the bounded wait, and the retry reuses the upload', async () => {
    const slow = new MastodonFake({ accessToken: TOKEN, processingPolls: 1_000 });
    const base = await slow.start();
    try {
      const video = testVideo({ id: 'vid-slow' });
      const ledger = new InMemoryMediaUploadLedger();
      const slowTarget = { ...target, credentials: { instanceUrl: base, accessToken: TOKEN } };
      const error = await failure(
        adapter(200).publish(post({ media: [video] }), slowTarget, 'key-slow', undefined, ledger),
      );
      expect(error.kind).toBe('transient');
      expect(error.message).toMatch(/still being processed after/);
      expect(slow.statuses).toHaveLength(0);

      slow.media[0]!.pendingPolls = 0; // the instance finished meanwhile
      await adapter(200).publish(post({ media: [video] }), slowTarget, 'key-slow', undefined, ledger);
      expect(slow.media).toHaveLength(1);
      expect(slow.statuses).toHaveLength(1);
      expect(video.opens).toHaveLength(1);
    } finally {
      await slow.stop();
    }
  });

  it('retries after a 503 on an upload: each image is uploaded once and the status exists once', async () => {
    const images = await Promise.all(
      [0, 1, 2].map((i) =>
        testImage({
          id: `r-${i}`,
          width: 640,
          height: 480,
          alt: `Scatto ${i + 1}`,
          background: ['#111', '#555', '#999'][i],
        }),
      ),
    );
    const ledger = new InMemoryMediaUploadLedger();
    const m = adapter();
    fake.failMediaUpload(3, 503); // the first two uploads work, the third meets a 503

    const error = await failure(m.publish(post({ media: images }), target, 'key-503', undefined, ledger));
    expect(error.kind).toBe('transient');
    expect(fake.statuses).toHaveLength(0);
    expect(ledger.entries.size).toBe(2);

    await m.publish(post({ media: images }), target, 'key-503', undefined, ledger);
    // The answer was lost (unknown outcome): the next attempt gets the same status back.
    const again = await m.publish(post({ media: images }), target, 'key-503', undefined, ledger);

    expect(fake.statuses).toHaveLength(1);
    expect(again.externalId).toBe(fake.statuses[0]!.id);
    expect(fake.media).toHaveLength(3);
    expect(fake.statuses[0]!.media.map((x) => x.description)).toEqual(['Scatto 1', 'Scatto 2', 'Scatto 3']);
    expect(images.map((i) => i.opens.length)).toEqual([1, 1, 2]);
  });

  it('after a lost answer to the status, the retry gets the same status: one status, each image attached once', async () => {
    const images = await Promise.all(
      [0, 1].map((i) =>
        testImage({ id: `lost-${i}`, width: 320, height: 240, alt: `Foto ${i}`, background: ['#222', '#ddd'][i] }),
      ),
    );
    const ledger = new InMemoryMediaUploadLedger();
    fake.dropNext(1, { afterHandling: true, path: '/api/v1/statuses' });

    const error = await failure(adapter().publish(post({ media: images }), target, 'key-lost', undefined, ledger));
    expect(error.kind).toBe('unknown_outcome');
    const outcome = await adapter().publish(post({ media: images }), target, 'key-lost', undefined, ledger);

    expect(fake.statuses).toHaveLength(1);
    expect(outcome.externalId).toBe(fake.statuses[0]!.id);
    expect(fake.media).toHaveLength(2);
    expect(fake.statuses[0]!.media.map((m) => m.description)).toEqual(['Foto 0', 'Foto 1']);
  });

  it('checks recorded ids the instance refuses (422) and uploads a gone one again', async () => {
    const image = await testImage({ id: 'gone', width: 300, height: 200, alt: 'Insegna' });
    const ledger = new InMemoryMediaUploadLedger();
    await ledger.put('gone', '999999');

    await adapter().publish(post({ media: [image] }), target, 'key-gone', undefined, ledger);

    expect(fake.statuses).toHaveLength(1);
    expect(fake.statuses[0]!.media.map((m) => m.description)).toEqual(['Insegna']);
    expect(await ledger.get('gone')).toBe(fake.media[0]!.id);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/statuses', // 422: not found
      'GET /api/v1/media/999999', // 404
      'POST /api/v2/media',
      'POST /api/v1/statuses',
    ]);
  });

  it('refuses media the instance does not take with its reason, and URL media before any request', async () => {
    const tiny = new MastodonFake({ accessToken: TOKEN, configuration: { imageSizeLimit: 100 } });
    const base = await tiny.start();
    try {
      const image = await testImage({ id: 'big', width: 300, height: 200, alt: 'x' });
      const error = await failure(
        adapter().publish(
          post({ media: [image] }),
          { ...target, credentials: { instanceUrl: base, accessToken: TOKEN } },
          'k',
        ),
      );
      expect(error.kind).toBe('rejected');
      expect(error.message).toMatch(/422.*file size must be less than/);
    } finally {
      await tiny.stop();
    }

    const byUrl = await failure(
      adapter().publish(post({ media: [{ url: 'https://cdn.example.com/a.jpg', alt: 'A' }] }), target, 'k2'),
    );
    expect(byUrl.kind).toBe('rejected');
    expect(byUrl.message).toMatch(/media given by URL/);
    expect(fake.requests).toHaveLength(0);
  });

  it('writes the focus as Mastodon reads it', () => {
    expect(focusParam({ x: 0.333, y: -1.7 })).toBe('0.33,-1.00');
  });
});
