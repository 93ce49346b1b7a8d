import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { PlanGuard } from './plan-guard';
import { PostsController } from './posts.controller';
import { PostsRepository } from './posts.repository';
import { PostsService } from './posts.service';
import { PlanService } from './plan.service';
import { RulesPlanGuard } from './rules-plan.guard';

@Module({
  imports: [ChannelsModule, WorkspacesModule],
  controllers: [PostsController],
  providers: [PostsService, PostsRepository, PlanService, { provide: PlanGuard, useClass: RulesPlanGuard }],
  exports: [PostsService, PlanService],
})
export class PostsModule {}
