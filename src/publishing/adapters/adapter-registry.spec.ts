import { Global, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Clock, FixedClock } from '../../common/clock';
import { APP_CONFIG } from '../../config/app-config';
import { LOOPBACK_ALLOW } from '../../../test/fakes/loopback';
import { WebhookReceiverFake } from '../../../test/fakes/webhook-receiver.fake';
import { AdapterRegistry, PLATFORM_ADAPTERS, UnknownPlatformError } from './adapter-registry';
import { BlueskyAdapter } from './bluesky.adapter';
import { MastodonAdapter } from './mastodon.adapter';
import { MockAdapter } from './mock.adapter';
import type { PlatformAdapter } from './platform-adapter';
import { PublishingAdaptersModule } from './publishing-adapters.module';
import { WebhookAdapter } from './webhook.adapter';

Logger.overrideLogger(['error', 'warn']);

/** The stand-ins are on loopback: the egress guard must be told to allow it. */
@Global()
@Module({ providers: [{ provide: APP_CONFIG, useValue: { egressAllow: LOOPBACK_ALLOW } }], exports: [APP_CONFIG] })
class LoopbackEgressConfig {}

describe('AdapterRegistry through PublishingAdaptersModule', () => {
  it('finds every platform adapter registered through DI', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PublishingAdaptersModule] }).compile();
    const registry = moduleRef.get(AdapterRegistry);
    expect(registry.get('mock')).toBeInstanceOf(MockAdapter);
    expect(registry.get('webhook')).toBeInstanceOf(WebhookAdapter);
    expect(registry.get('mastodon')).toBeInstanceOf(MastodonAdapter);
    expect(registry.get('bluesky')).toBeInstanceOf(BlueskyAdapter);
    expect(registry.platforms().sort()).toEqual(['bluesky', 'mastodon', 'mock', 'webhook']);
    // the registry hands out the module's singletons (the mock's `published` is shared)
    expect(registry.get('mock')).toBe(moduleRef.get(MockAdapter));
    expect(moduleRef.get<PlatformAdapter[]>(PLATFORM_ADAPTERS)).toHaveLength(4);
  });

  it('throws a clear, permanent error for an unknown platform', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [PublishingAdaptersModule] }).compile();
    const registry = moduleRef.get(AdapterRegistry);
    expect(registry.has('linkedin')).toBe(false);
    expect(() => registry.get('linkedin')).toThrow(UnknownPlatformError);
    expect(() => registry.get('linkedin')).toThrow(
      'No publishing adapter for platform "linkedin" (known: mock, webhook, mastodon, bluesky).',
    );
    try {
      registry.get('linkedin');
    } catch (error) {
      expect(error).toMatchObject({ kind: 'rejected', retryable: false });
    }
  });

  it("takes the time from the application's Clock when one is provided globally", async () => {
    const clock = new FixedClock(new Date('2026-05-04T03:02:01Z'));
    @Global()
    @Module({ providers: [{ provide: Clock, useValue: clock }], exports: [Clock] })
    class GlobalClockModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [GlobalClockModule, PublishingAdaptersModule],
    }).compile();
    const mock = moduleRef.get(MockAdapter);
    await mock.publish(
      { id: 'p', body: 'b', category: 'informative', scheduledAt: new Date() },
      { channelId: 'c', platform: 'mock', name: 'n', handle: 'h', credentials: {} },
      'k',
    );
    expect(mock.published[0]?.publishedAt).toEqual(new Date('2026-05-04T03:02:01Z'));
  });

  it('refuses two adapters for one platform', () => {
    expect(() => new AdapterRegistry([new MockAdapter(), new MockAdapter()])).toThrow(
      'two adapters for platform "mock"',
    );
  });

  it('applies the HTTP timeout given to register()', async () => {
    const receiver = new WebhookReceiverFake({ latencyMs: 5_000 });
    const base = await receiver.start();
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [LoopbackEgressConfig, PublishingAdaptersModule.register({ timeoutMs: 100 })],
      }).compile();
      const webhook = moduleRef.get(AdapterRegistry).get('webhook');
      const error = await webhook
        .publish(
          { id: 'p', body: 'b', category: 'informative', scheduledAt: new Date() },
          { channelId: 'c', platform: 'webhook', name: 'n', handle: 'h', credentials: { url: base } },
          'k',
        )
        .catch((e: unknown) => e);
      // With the default 10 s timeout the answer (after 5 s) would have been a success.
      expect(error).toMatchObject({ kind: 'unknown_outcome' });
    } finally {
      await receiver.stop();
    }
  });
});
