import { Inject, Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

/** The application's Prometheus registry (operations' Metrics), handed in by the composition root. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

export type CredentialKind = 'api_key' | 'feed_token';

@Injectable()
export class ThrottleMetrics {
  readonly failures: Counter<'kind'>;
  readonly refused: Counter<'kind'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.failures = new Counter({
      name: 'palinsesto_credential_failures_total',
      help: 'Requests with a wrong credential, by kind (api_key, feed_token)',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
    this.refused = new Counter({
      name: 'palinsesto_throttled_requests_total',
      help: 'Requests refused with 429 because their client address presented too many wrong credentials, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    });
  }
}
