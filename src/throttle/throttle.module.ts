import { DynamicModule, Global, InjectionToken, Module, Type } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { CredentialThrottle } from './credential-throttle';
import { RateLimiter } from './rate-limiter';
import { METRICS_REGISTRY, ThrottleMetrics } from './throttle.metrics';
import { ThrottleRepository } from './throttle.repository';

/**
 * Rate limits in PostgreSQL (RateLimiter) and the wrong-credential policy built on them
 * (CredentialThrottle). Global, so that the auth guard and the feeds use it without this
 * folder importing theirs; the composition root hands in the metrics registry.
 */
@Global()
@Module({})
export class ThrottleModule {
  static forRoot(registry: {
    imports?: Type<unknown>[];
    inject: InjectionToken[];
    useFactory: (...deps: never[]) => Registry;
  }): DynamicModule {
    return {
      module: ThrottleModule,
      imports: registry.imports ?? [],
      providers: [
        { provide: METRICS_REGISTRY, inject: registry.inject, useFactory: registry.useFactory },
        ThrottleRepository,
        RateLimiter,
        ThrottleMetrics,
        CredentialThrottle,
      ],
      exports: [RateLimiter, CredentialThrottle],
    };
  }
}
