import { Logger } from '@nestjs/common';
import { TEST_TIMEOUT_MS } from '../../../test/fakes/http-fake';
import { loopbackEgress } from '../../../test/fakes/loopback';
import { testImage, testVideo } from '../../../test/fakes/media-fixtures';
import { WebhookReceiverFake } from '../../../test/fakes/webhook-receiver.fake';
import { PublishHttpClient } from './http-client';
import type { PublishTarget } from './platform-adapter';
import { WebhookAdapter } from './webhook.adapter';

Logger.overrideLogger(['error', 'warn']);

describe('WebhookAdapter with library media', () => {
  const receiver = new WebhookReceiverFake();
  const adapter = new WebhookAdapter(
    new PublishHttpClient({ timeoutMs: TEST_TIMEOUT_MS }, undefined, loopbackEgress()),
  );
  let target: PublishTarget;

  beforeAll(async () => {
    target = {
      channelId: 'c-hook',
      platform: 'webhook',
      name: 'Intranet',
      handle: 'intranet',
      credentials: { url: `${await receiver.start()}/hooks` },
    };
  });
  afterAll(() => receiver.stop());

  it('forwards each file in order as its signed URL with alt text, type, size and dimensions, never opening it', async () => {
    const image = await testImage({
      id: 'img',
      width: 1200,
      height: 800,
      alt: 'La vetrina',
      focus: { x: 0.1, y: -0.2 },
    });
    const video = testVideo({ id: 'vid', alt: 'Il forno', durationMs: 9_000 });

    await adapter.publish(
      {
        id: 'p1',
        body: 'Due file',
        category: 'informative',
        scheduledAt: new Date('2026-07-01T08:00:00Z'),
        media: [image, video],
        mediaUrls: [{ url: 'https://cdn.example.com/legacy.jpg', alt: 'Vecchia' }],
      },
      target,
      'delivery-media',
    );

    const json = receiver.deliveries[0]!.json as { media: unknown[] };
    expect(json.media).toEqual([
      {
        url: 'https://media.example/signed/img?sig=test',
        alt: 'La vetrina',
        id: 'img',
        kind: 'image',
        mimeType: 'image/jpeg',
        bytes: image.bytes,
        sha256: image.sha256,
        width: 1200,
        height: 800,
        focus: { x: 0.1, y: -0.2 },
      },
      {
        url: 'https://media.example/signed/vid?sig=test',
        alt: 'Il forno',
        id: 'vid',
        kind: 'video',
        mimeType: 'video/mp4',
        bytes: video.bytes,
        sha256: video.sha256,
        width: 1280,
        height: 720,
        durationMs: 9_000,
      },
      { url: 'https://cdn.example.com/legacy.jpg', alt: 'Vecchia' },
    ]);
    expect(image.opens).toHaveLength(0);
    expect(video.opens).toHaveLength(0);
  });
});
