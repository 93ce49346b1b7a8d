import { Logger } from '@nestjs/common';
import { FixedClock } from '../../common/clock';
import { checkMedia, checkText } from '../../content/content-limits';
import { EgressGuard } from '../../egress/egress-guard';
import { TEST_TIMEOUT_MS } from '../../../test/fakes/http-fake';
import { loopbackEgress } from '../../../test/fakes/loopback';
import { MastodonFake } from '../../../test/fakes/mastodon.fake';
import { PublishHttpClient } from './http-client';
import { PlatformLimitsService } from './platform-limits.service';

Logger.overrideLogger(['error']);

describe('PlatformLimitsService', () => {
  const clock = new FixedClock(new Date('2026-06-01T07:00:00Z'));
  const service = (egress = loopbackEgress()) =>
    new PlatformLimitsService(new PublishHttpClient({ timeoutMs: TEST_TIMEOUT_MS }, clock, egress), {
      timeoutMs: TEST_TIMEOUT_MS,
    });
  let fake: MastodonFake;
  let credentials: Record<string, unknown>;

  beforeEach(async () => {
    fake = new MastodonFake({
      accessToken: 'x'.repeat(20),
      characterLimit: 1000,
      configuration: { maxMediaAttachments: 6, charactersReservedPerUrl: 30, imageSizeLimit: 8 * 1024 * 1024 },
    });
    credentials = { instanceUrl: `${await fake.start()}/`, accessToken: 'x'.repeat(20) };
  });
  afterEach(() => fake.stop());

  it("uses the instance's own limits, asked once and then kept", async () => {
    const limits = service();
    const first = await limits.limitsFor({ platform: 'mastodon', credentials });
    const again = await limits.limitsFor({ platform: 'mastodon', credentials });

    expect(first).toBe(again);
    expect(fake.requests.map((r) => r.path)).toEqual(['/api/v2/instance']);
    expect(first).toMatchObject({
      source: 'instance',
      name: `Mastodon (${new URL(fake.url).host})`,
      text: { maxCharacters: 1000, urlWeight: 30 },
      media: { maxItems: 6, imageMaxBytes: 8 * 1024 * 1024, videoMaxBytes: 99 * 1024 * 1024, altMaxLength: 1500 },
    });
    expect(first.media!.imageMimeTypes).toContain('image/avif');
    // What posts do with them: 900 characters and 6 images fit this instance, not stock Mastodon.
    expect(checkText(first, 'a'.repeat(900))).toBeNull();
    expect(checkText(first, `${'a'.repeat(970)} https://example.com/x`)!.message).toMatch(
      /1001 characters.*counts as 30/,
    );
    const six = Array.from({ length: 6 }, () => ({
      kind: 'image' as const,
      mimeType: 'image/png',
      bytes: 10,
      alt: 'a',
    }));
    expect(checkMedia(first, six, true)).toEqual([]);
  });

  it('falls back to the stock limits when the instance cannot be asked, and does not ask again at once', async () => {
    fake.failNext(5, 503, undefined, '/api/v2/instance');
    const limits = service();
    const down = await limits.limitsFor({ platform: 'mastodon', credentials });
    await limits.limitsFor({ platform: 'mastodon', credentials });

    expect(down).toMatchObject({
      source: 'default',
      text: { maxCharacters: 500, urlWeight: 23 },
      media: { maxItems: 4 },
    });
    expect(fake.requests).toHaveLength(1);

    await fake.stop();
    const stopped = await service().limitsFor({ platform: 'mastodon', credentials });
    expect(stopped.source).toBe('default');
  });

  it('asks only through the egress guard: an instance outside EGRESS_ALLOW is never asked', async () => {
    const limits = await service(new EgressGuard({ egressAllow: [] })).limitsFor({ platform: 'mastodon', credentials });
    expect(limits.source).toBe('default');
    expect(fake.requests).toHaveLength(0);
  });

  it('answers Bluesky from its lexicons and a webhook with no limits, without a request', async () => {
    const limits = service();
    expect(await limits.limitsFor({ platform: 'bluesky', credentials: {} })).toMatchObject({
      text: { maxCharacters: 300, unit: 'graphemes' },
      media: { maxImages: 4, maxVideos: 1, mixImagesAndVideo: false, imageMaxBytes: null, videoMaxDurationMs: 180_000 },
    });
    expect(await limits.limitsFor({ platform: 'webhook', credentials: {} })).toMatchObject({ text: null, media: null });
    expect(await limits.limitsFor({ platform: 'mastodon', credentials: {} })).toMatchObject({ source: 'default' });
  });
});
