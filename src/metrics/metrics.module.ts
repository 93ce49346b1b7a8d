import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { OperationsModule } from '../operations/operations.module';
import { PostsModule } from '../posts/posts.module';
import { PublishingAdaptersModule } from '../publishing/adapters/publishing-adapters.module';
import { MetricsCollectionMetrics } from './metrics-collection.metrics';
import { MetricsCollector } from './metrics.collector';
import { MetricsController } from './metrics.controller';
import { METRICS_OPTIONS } from './metrics.options';
import { MetricsRepository } from './metrics.repository';
import { MetricsService } from './metrics.service';
import { PostMetricsService } from './post-metrics.service';
import { BlueskyMetricsReader } from './readers/bluesky-metrics.reader';
import { MastodonMetricsReader } from './readers/mastodon-metrics.reader';
import { WebhookMetricsReceiver } from './webhook-metrics.receiver';

/**
 * Metrics collection (issue 15): snapshots of each published post's counts on its platform,
 * collected at the steps of METRICS_STEPS after `post.published` (MetricsCollector), pushed
 * by the webhook platform's receiver (WebhookMetricsReceiver), served by
 * `GET /v1/posts/{pid}/metrics`. MetricsService is what other modules read (the reports) and
 * record with. METRICS_OPTIONS ({} here: the defaults) is the seam for tests and benchmarks;
 * PostClickCounts (the snapshots' clicks) is optional and provided from links by the
 * composition root.
 */
@Module({
  imports: [ChannelsModule, OperationsModule, PostsModule, PublishingAdaptersModule],
  controllers: [MetricsController],
  providers: [
    MetricsRepository,
    MetricsService,
    PostMetricsService,
    MetricsCollectionMetrics,
    MastodonMetricsReader,
    BlueskyMetricsReader,
    MetricsCollector,
    WebhookMetricsReceiver,
    { provide: METRICS_OPTIONS, useValue: {} },
  ],
  exports: [MetricsService, MetricsCollector],
})
export class MetricsModule {}
