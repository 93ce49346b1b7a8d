import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { MediaModule } from '../media/media.module';
import { MediaUsage } from '../media/media-usage';
import { PublishingAdaptersModule } from '../publishing/adapters/publishing-adapters.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { PlanGuard } from './plan-guard';
import { PlanRevisionsRepository } from './plan-revisions.repository';
import { PostDispatchRepository } from './post-dispatch.repository';
import { PostsController } from './posts.controller';
import { PostsMediaUsage } from './posts-media.usage';
import { PostsRepository } from './posts.repository';
import { PostsService } from './posts.service';
import { PlanService } from './plan.service';
import { ReportsQueries } from './report.queries';
import { RulesPlanGuard } from './rules-plan.guard';

@Module({
  imports: [ChannelsModule, WorkspacesModule, MediaModule, PublishingAdaptersModule],
  controllers: [PostsController],
  providers: [
    PostsService,
    PostsRepository,
    PostDispatchRepository,
    PlanRevisionsRepository,
    PlanService,
    ReportsQueries,
    { provide: PlanGuard, useClass: RulesPlanGuard },
    { provide: MediaUsage, useClass: PostsMediaUsage },
  ],
  // PostDispatchRepository: the publishing dispatcher's statements on posts, which it runs
  // itself (claim, fenced writes), owned here with every other statement on posts.
  // MediaUsage: what the media module asks of posts (MediaApiModule.forRoot(PostsModule)).
  // ReportsQueries: the reports' reads of posts (src/reports/).
  exports: [PostsService, PlanService, PostDispatchRepository, MediaUsage, ReportsQueries],
})
export class PostsModule {}
