import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PostsService } from '../posts/posts.service';
import type { MetricSnapshot } from './metric-snapshot';
import { MetricsRepository } from './metrics.repository';
import type { PostMetricsDto } from './dto/post-metrics.dto';

export type { MetricSnapshot } from './metric-snapshot';

/**
 * The snapshots of published posts' counts (a time series per post), for the API, the reports
 * and the collector. Exported by MetricsModule.
 */
@Injectable()
export class MetricsService {
  constructor(
    private readonly repo: MetricsRepository,
    private readonly posts: PostsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** `GET /v1/posts/{pid}/metrics`: the post's series (oldest first) and its collection; 404 outside the workspace. */
  async forActor(actor: Actor, postId: string): Promise<PostMetricsDto> {
    const post = await this.posts.get(actor, postId);
    const [snapshots, collection] = await Promise.all([
      this.repo.snapshotsOf(post.id),
      this.repo.collectionOf(post.id),
    ]);
    return {
      snapshots: snapshots.map((s) => ({ ...s, at: s.at.toISOString() })),
      collection: collection
        ? {
            state: collection.state,
            nextAt: collection.nextAt?.toISOString() ?? null,
            step: collection.step + 1,
            steps: this.config.metricsSteps.length,
            lastError: collection.lastError,
          }
        : null,
    };
  }

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
