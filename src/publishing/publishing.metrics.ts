import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { Metrics } from '../operations/metrics';

/** The dispatcher's Prometheus series, on the application's shared registry. */
@Injectable()
export class PublishingMetrics {
  readonly published: Counter<'platform'>;
  readonly failed: Counter<'platform' | 'reason'>;
  readonly retried: Counter<'platform' | 'kind'>;
  readonly handoverLag: Histogram<'platform'>;
  readonly claimed: Counter;
  readonly fenced: Counter;
  readonly leasesRenewed: Counter;
  readonly leasesLost: Counter;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.published = new Counter({
      name: 'palinsesto_posts_published_total',
      help: 'Posts published, by platform',
      labelNames: ['platform'] as const,
      registers,
    });
    this.failed = new Counter({
      name: 'palinsesto_posts_failed_total',
      help: 'Posts that ended failed, by platform and reason (missed, rejected, auth_expired, exhausted, channel_archived)',
      labelNames: ['platform', 'reason'] as const,
      registers,
    });
    this.retried = new Counter({
      name: 'palinsesto_publish_retries_total',
      help: 'Failed attempts that were scheduled for a retry, by platform and error kind',
      labelNames: ['platform', 'kind'] as const,
      registers,
    });
    this.handoverLag = new Histogram({
      name: 'palinsesto_publish_handover_lag_seconds',
      help: "Time from a post's scheduledAt to the moment it is handed to its adapter (first attempts)",
      labelNames: ['platform'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    });
    this.claimed = new Counter({
      name: 'palinsesto_publish_claims_total',
      help: 'Posts claimed by this instance (including expired leases taken over)',
      registers,
    });
    this.fenced = new Counter({
      name: 'palinsesto_publish_fenced_writes_total',
      help: 'Writes refused because a newer attempt owns the post (a stale worker finished late)',
      registers,
    });
    this.leasesRenewed = new Counter({
      name: 'palinsesto_publish_lease_renewals_total',
      help: 'Leases of long attempts renewed by the heartbeat',
      registers,
    });
    this.leasesLost = new Counter({
      name: 'palinsesto_publish_leases_lost_total',
      help: 'Attempts aborted because the heartbeat found their post taken by a newer attempt',
      registers,
    });
  }
}
