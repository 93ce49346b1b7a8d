import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PostsService } from '../posts/posts.service';
import type { PostMetricsDto } from './dto/post-metrics.dto';
import { MetricsRepository } from './metrics.repository';

/** `GET /v1/posts/{pid}/metrics`: a post's series for whoever may read the post. */
@Injectable()
export class PostMetricsService {
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
}
