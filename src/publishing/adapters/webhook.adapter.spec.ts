import { Logger } from '@nestjs/common';
import { LATE_ANSWER_MS, TEST_TIMEOUT_MS } from '../../../test/fakes/http-fake';
import { WebhookReceiverFake } from '../../../test/fakes/webhook-receiver.fake';
import { PublishHttpClient } from './http-client';
import type { PublishablePost, PublishTarget } from './platform-adapter';
import { PublishError } from './publish-error';
import { WebhookAdapter } from './webhook.adapter';
import { loopbackEgress } from '../../../test/fakes/loopback';

Logger.overrideLogger(['error', 'warn']);

const SECRET = 'whsec-0123456789abcdef';

const post: PublishablePost = {
  id: '7c0e2f4a-1111-4a2b-8c3d-4e5f60718293',
  title: 'Saldi',
  body: 'Tutto al 30% 🎉',
  link: 'https://example.com/saldi',
  media: [{ url: 'https://cdn.example.com/s.jpg', alt: 'Vetrina' }],
  category: 'promotional',
  scheduledAt: new Date('2026-07-01T08:00:00Z'),
};

async function failure(promise: Promise<unknown>): Promise<PublishError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PublishError) return error;
    throw error;
  }
  throw new Error('expected the delivery to fail');
}

describe('WebhookAdapter against a webhook receiver', () => {
  const receiver = new WebhookReceiverFake();
  const adapter = new WebhookAdapter(
    new PublishHttpClient({ timeoutMs: TEST_TIMEOUT_MS }, undefined, loopbackEgress()),
  );
  let target: PublishTarget;

  beforeAll(async () => {
    const base = await receiver.start();
    target = {
      channelId: 'c-hook',
      platform: 'webhook',
      name: 'Intranet',
      handle: 'intranet',
      credentials: { url: `${base}/hooks/palinsesto?token=query-secret-42`, secret: SECRET },
    };
  });
  afterAll(() => receiver.stop());
  beforeEach(() => {
    receiver.deliveries.length = 0;
    receiver.resetFaults().respondWith(200, { ok: true });
  });

  it('POSTs the post as JSON with the delivery id and returns the url without its query string', async () => {
    const outcome = await adapter.publish(post, target, 'delivery-1');

    expect(receiver.deliveries).toHaveLength(1);
    const [delivery] = receiver.deliveries;
    expect(delivery?.method).toBe('POST');
    expect(delivery?.path).toBe('/hooks/palinsesto');
    expect(delivery?.headers['content-type']).toBe('application/json');
    expect(delivery?.deliveryId).toBe('delivery-1');
    expect(delivery?.json).toEqual({
      id: post.id,
      channel: { id: 'c-hook', name: 'Intranet', handle: 'intranet' },
      body: 'Tutto al 30% 🎉',
      title: 'Saldi',
      link: 'https://example.com/saldi',
      media: [{ url: 'https://cdn.example.com/s.jpg', alt: 'Vetrina' }],
      category: 'promotional',
      scheduledAt: '2026-07-01T08:00:00.000Z',
    });
    expect(outcome).toEqual({ externalId: 'delivery-1', externalUrl: `${receiver.url}/hooks/palinsesto` });
  });

  it('signs the exact body: the signature verifies with the secret and not with another', async () => {
    await adapter.publish(post, target, 'delivery-signed');
    const [delivery] = receiver.deliveries;
    expect(delivery?.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(receiver.verify(delivery!, SECRET)).toBe(true);
    expect(receiver.verify(delivery!, 'another-secret')).toBe(false);
    const tampered = { ...delivery!, rawBody: Buffer.from(delivery!.rawBody.toString().replace('30%', '90%')) };
    expect(receiver.verify(tampered, SECRET)).toBe(false);
  });

  it('sends no signature without a secret, and nulls for absent fields', async () => {
    const bare: PublishablePost = { ...post, title: undefined, link: null, media: undefined };
    await adapter.publish(bare, { ...target, credentials: { url: `${receiver.url}/plain` } }, 'delivery-plain');
    const [delivery] = receiver.deliveries;
    expect(delivery?.signature).toBeUndefined();
    expect(delivery?.json).toMatchObject({ title: null, link: null, media: null });
  });

  it("uses the receiver's id and url when its JSON answer has them", async () => {
    receiver.respondWith(201, { id: 4711, url: 'https://intranet.example.com/news/4711' });
    const outcome = await adapter.publish(post, target, 'delivery-id');
    expect(outcome).toEqual({ externalId: '4711', externalUrl: 'https://intranet.example.com/news/4711' });
  });

  it('treats any 2xx as success, even without a body', async () => {
    receiver.respondWith(204);
    await expect(adapter.publish(post, target, 'delivery-204')).resolves.toEqual({
      externalId: 'delivery-204',
      externalUrl: `${receiver.url}/hooks/palinsesto`,
    });
  });

  it('maps 500 to transient, 410 to rejected and 429 to rate_limited with Retry-After', async () => {
    receiver.respondWith(500, { error: 'boom' });
    expect(await failure(adapter.publish(post, target, 'd'))).toMatchObject({ kind: 'transient', retryable: true });
    receiver.respondWith(410, { error: 'gone' });
    expect(await failure(adapter.publish(post, target, 'd'))).toMatchObject({
      kind: 'rejected',
      retryable: false,
      status: 410,
    });
    receiver.respondWith(429, { error: 'slow down' }, { 'retry-after': '5' });
    expect(await failure(adapter.publish(post, target, 'd'))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 5000,
    });
  });

  it("never puts the secret, the query token, the path or the receiver's body in an error message", async () => {
    receiver.respondWith(400, { error: `bad signature for ${SECRET} token query-secret-42 at /hooks/palinsesto` });
    const error = await failure(adapter.publish(post, target, 'd'));
    expect(error.kind).toBe('rejected');
    expect(error.message).toContain('answered 400');
    // A webhook is no platform with a documented error field: nothing of its body is quoted.
    expect(error.message).not.toContain('bad signature');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain('query-secret-42');
    expect(error.message).not.toContain('/hooks/palinsesto');
  });

  it('reports unknown_outcome on a late answer; the retry repeats the same delivery id for the receiver to drop', async () => {
    receiver.setLatency(LATE_ANSWER_MS);
    const error = await failure(adapter.publish(post, target, 'delivery-late'));
    expect(error).toMatchObject({ kind: 'unknown_outcome', retryable: true });
    receiver.resetFaults();
    await adapter.publish(post, target, 'delivery-late');
    expect(receiver.deliveries).toHaveLength(2);
    expect(receiver.uniqueDeliveryIds()).toEqual(['delivery-late']);
    expect(receiver.deliveries[0]?.rawBody.equals(receiver.deliveries[1]!.rawBody)).toBe(true);
  });

  it('refuses a missing or non-http url without calling anything', async () => {
    for (const credentials of [{}, { url: 'ftp://example.com/x' }, { url: 'not a url' }]) {
      const error = await failure(adapter.publish(post, { ...target, credentials }, 'd'));
      expect(error.kind).toBe('rejected');
      expect(error.message).toContain('"url"');
    }
    expect(receiver.deliveries).toHaveLength(0);
  });
});
