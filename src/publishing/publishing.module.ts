import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ChannelsModule } from '../channels/channels.module';
import { LinksModule } from '../links/links.module';
import { MediaModule } from '../media/media.module';
import { OperationsModule } from '../operations/operations.module';
import { PostsModule } from '../posts/posts.module';
import { PublishingAdaptersModule } from './adapters/publishing-adapters.module';
import { MediaUploadsRepository } from './media-uploads.repository';
import { PublishDispatcher } from './publish.dispatcher';
import { PublishedWriter } from './published.writer';
import { PUBLISHING_OPTIONS } from './publishing.options';
import { PublishingMetrics } from './publishing.metrics';

/**
 * Publishing: the dispatcher that claims due posts and hands them to the platform
 * adapters. PUBLISHING_OPTIONS ({} here: the defaults) is the seam. What it publishes or
 * gives up on, it states as events (publishing.events.ts); it knows none of the listeners.
 */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    ChannelsModule,
    LinksModule,
    MediaModule,
    OperationsModule,
    PostsModule,
    PublishingAdaptersModule,
  ],
  providers: [
    PublishingMetrics,
    PublishedWriter,
    MediaUploadsRepository,
    PublishDispatcher,
    { provide: PUBLISHING_OPTIONS, useValue: {} },
  ],
  exports: [PublishDispatcher, PublishingAdaptersModule, MediaUploadsRepository],
})
export class PublishingModule {}
