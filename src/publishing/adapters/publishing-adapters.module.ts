import { type DynamicModule, Module } from '@nestjs/common';
import { EgressModule } from '../../egress/egress.module';
import { AdapterRegistry, PLATFORM_ADAPTERS } from './adapter-registry';
import { BlueskyAdapter } from './bluesky.adapter';
import { PUBLISH_HTTP_OPTIONS, PublishHttpClient, type PublishHttpOptions } from './http-client';
import { LinkCardFetcher } from './link-card.fetcher';
import { MastodonAdapter } from './mastodon.adapter';
import { MockAdapter } from './mock.adapter';
import type { PlatformAdapter } from './platform-adapter';
import { PlatformLimitsService } from './platform-limits.service';
import { WebhookAdapter } from './webhook.adapter';

const ADAPTERS = [MockAdapter, WebhookAdapter, MastodonAdapter, BlueskyAdapter];

/**
 * The platform adapters, their shared HTTP client (through the egress guard) and the registry. A new platform is one
 * more class in ADAPTERS. The HTTP timeout can be set by providing PUBLISH_HTTP_OPTIONS
 * ({timeoutMs}); a global Clock provider, when there is one, is used for "now".
 */
@Module({
  imports: [EgressModule],
  providers: [
    PublishHttpClient,
    LinkCardFetcher,
    PlatformLimitsService,
    ...ADAPTERS,
    {
      provide: PLATFORM_ADAPTERS,
      useFactory: (...adapters: PlatformAdapter[]): PlatformAdapter[] => adapters,
      inject: ADAPTERS,
    },
    AdapterRegistry,
  ],
  exports: [AdapterRegistry, PublishHttpClient, PlatformLimitsService, PLATFORM_ADAPTERS, ...ADAPTERS],
})
export class PublishingAdaptersModule {
  /** The module with explicit HTTP options, e.g. `register({ timeoutMs: 5000 })`. */
  static register(options: PublishHttpOptions): DynamicModule {
    return {
      module: PublishingAdaptersModule,
      providers: [{ provide: PUBLISH_HTTP_OPTIONS, useValue: options }],
    };
  }
}
