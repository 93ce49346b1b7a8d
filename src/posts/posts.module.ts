import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { PlanGuard } from './plan-guard';
import { PostsController } from './posts.controller';
import { PostsRepository } from './posts.repository';
import { PostsService } from './posts.service';
import { UncheckedPlanGuard } from './unchecked-plan.guard';

@Module({
  imports: [ChannelsModule, WorkspacesModule],
  controllers: [PostsController],
  providers: [PostsService, PostsRepository, { provide: PlanGuard, useClass: UncheckedPlanGuard }],
  exports: [PostsService],
})
export class PostsModule {}
