import { Injectable } from '@nestjs/common';
import type { MetricSnapshot } from './metric-snapshot';
import { MetricsRepository } from './metrics.repository';

export type { MetricSnapshot } from './metric-snapshot';

/**
 * The snapshots of published posts' counts (a time series per post), for the reports and
 * the collector. Exported by MetricsModule. It depends on nothing above its repository: the
 * reports read it while posts ask the reports for best times, so it must not need posts
 * (the API's access check is PostMetricsService's).
 */
@Injectable()
export class MetricsService {
  constructor(private readonly repo: MetricsRepository) {}

  /** The newest snapshot per post (posts without one are absent from the map). */
  latestFor(postIds: readonly string[]): Promise<Map<string, MetricSnapshot>> {
    return this.repo.latestFor(postIds);
  }

  /** All snapshots of one post, oldest first. */
  snapshotsOf(postId: string): Promise<MetricSnapshot[]> {
    return this.repo.snapshotsOf(postId);
  }

  /** Records a snapshot (the collector uses it; tests and the benchmark seed with it). */
  async record(postId: string, snapshot: MetricSnapshot): Promise<void> {
    await this.repo.insertSnapshot(this.repo.manager, postId, snapshot, 'recorded');
  }
}
