import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ChannelsModule } from '../channels/channels.module';
import { PostsModule } from '../posts/posts.module';
import { PublishingAdaptersModule } from './adapters/publishing-adapters.module';
import { PublishDispatcher } from './publish.dispatcher';
import { NoopPublishFailureListener, PUBLISH_FAILURE_HOOK, PublishFailureListener } from './publish-failure.listener';
import { PublishedWriter } from './published.writer';
import { PUBLISHING_OPTIONS } from './publishing.options';
import { PublishingMetrics } from './publishing.metrics';

/**
 * Publishing: the dispatcher that claims due posts and hands them to the platform
 * adapters. PUBLISHING_OPTIONS ({} here: the defaults) and PUBLISH_FAILURE_HOOK (a
 * PublishFailureListener that a global alerts module provides; a no-op without one) are
 * the seams.
 */
@Module({
  imports: [ScheduleModule.forRoot(), ChannelsModule, PostsModule, PublishingAdaptersModule],
  providers: [
    PublishingMetrics,
    PublishedWriter,
    PublishDispatcher,
    { provide: PUBLISHING_OPTIONS, useValue: {} },
    {
      // A global module (alerts) that provides PUBLISH_FAILURE_HOOK plugs in here unchanged.
      provide: PublishFailureListener,
      inject: [{ token: PUBLISH_FAILURE_HOOK, optional: true }],
      useFactory: (hook?: PublishFailureListener | null) => hook ?? new NoopPublishFailureListener(),
    },
  ],
  exports: [PublishDispatcher, PublishingAdaptersModule],
})
export class PublishingModule {}
