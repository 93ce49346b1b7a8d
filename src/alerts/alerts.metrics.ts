import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { Metrics } from '../operations/metrics';

/** The alert jobs' Prometheus series, on the application's shared registry. */
@Injectable()
export class AlertsMetrics {
  readonly opened: Counter<'kind'>;
  readonly resolved: Counter<'resolution'>;
  readonly deliveries: Counter<'transport' | 'outcome'>;
  readonly scanDuration: Histogram;

  constructor(metrics: Metrics) {
    const registers = [metrics.registry];
    this.opened = new Counter({
      name: 'palinsesto_alerts_opened_total',
      help: 'Alerts opened (or re-opened), by kind',
      labelNames: ['kind'] as const,
      registers,
    });
    this.resolved = new Counter({
      name: 'palinsesto_alerts_resolved_total',
      help: 'Alerts resolved, by resolution (filled, handled, escalated, lapsed, not_applicable)',
      labelNames: ['resolution'] as const,
      registers,
    });
    this.deliveries = new Counter({
      name: 'palinsesto_alert_deliveries_total',
      help: 'Alert delivery attempts, by transport (email, webhook) and outcome (delivered, retry, cancelled)',
      labelNames: ['transport', 'outcome'] as const,
      registers,
    });
    this.scanDuration = new Histogram({
      name: 'palinsesto_alert_scan_duration_seconds',
      help: 'Duration of a full gap scan of every channel',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
  }
}
