import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { Metrics } from '../operations/metrics';

/** The metrics collection's Prometheus series, on the application's shared registry. */
@Injectable()
export class MetricsCollectionMetrics {
  readonly snapshots: Counter<'platform' | 'source'>;
  readonly requests: Counter<'platform' | 'outcome'>;
  readonly requestDuration: Histogram<'platform'>;
  readonly deferred: Counter<'platform'>;
  readonly retried: Counter<'platform' | 'kind'>;
  readonly givenUp: Counter<'platform'>;
  readonly deleted: Counter<'platform'>;
  readonly scheduled: Counter<'via'>;
  readonly claimed: Counter;
  readonly fenced: Counter;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.snapshots = new Counter({
      name: 'palinsesto_metrics_snapshots_total',
      help: 'Metric snapshots recorded, by platform and source (collector, webhook)',
      labelNames: ['platform', 'source'] as const,
      registers,
    });
    this.requests = new Counter({
      name: 'palinsesto_metrics_requests_total',
      help: 'Requests the collector made to platforms, by platform and outcome (ok, rate_limited, error)',
      labelNames: ['platform', 'outcome'] as const,
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'palinsesto_metrics_request_duration_seconds',
      help: "Duration of the collector's platform requests (a Bluesky request reads up to 25 posts)",
      labelNames: ['platform'] as const,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.deferred = new Counter({
      name: 'palinsesto_metrics_steps_deferred_total',
      help: 'Collection steps deferred because their channel is rate limited (never lost)',
      labelNames: ['platform'] as const,
      registers,
    });
    this.retried = new Counter({
      name: 'palinsesto_metrics_step_retries_total',
      help: 'Failed tries of collection steps scheduled again, by platform and error kind',
      labelNames: ['platform', 'kind'] as const,
      registers,
    });
    this.givenUp = new Counter({
      name: 'palinsesto_metrics_steps_given_up_total',
      help: 'Collection steps given up after their last try (the collection goes on with the next step)',
      labelNames: ['platform'] as const,
      registers,
    });
    this.deleted = new Counter({
      name: 'palinsesto_metrics_posts_deleted_total',
      help: 'Posts whose collection stopped because the platform no longer has them (404/410, left out)',
      labelNames: ['platform'] as const,
      registers,
    });
    this.scheduled = new Counter({
      name: 'palinsesto_metrics_collections_scheduled_total',
      help: 'Published posts scheduled for collection, by how (event, sweep: the event was lost)',
      labelNames: ['via'] as const,
      registers,
    });
    this.claimed = new Counter({
      name: 'palinsesto_metrics_steps_claimed_total',
      help: 'Due collection steps claimed by this instance',
      registers,
    });
    this.fenced = new Counter({
      name: 'palinsesto_metrics_fenced_writes_total',
      help: 'Step results not written because another attempt owns the step now (a late collector)',
      registers,
    });
  }
}
