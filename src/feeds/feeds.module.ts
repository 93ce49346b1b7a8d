import { Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ChannelsModule } from '../channels/channels.module';
import { PostsModule } from '../posts/posts.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { FeedRenderPool } from './feed-render.pool';
import type { FeedRenderWorkerData } from './feed-render.worker';
import { FeedsController, IcalController } from './feeds.controller';
import { FeedsRepository } from './feeds.repository';
import { FeedsService } from './feeds.service';

/** The render worker reads with a connection of its own, to the app's database. */
function workerDataOf(ds: DataSource): FeedRenderWorkerData {
  const options = ds.options as { url?: string };
  if (!options.url) throw new Error('The feed renderer needs the database url');
  return {
    database: {
      connectionString: options.url,
      application_name: 'palinsesto-feeds',
      // Same session zone as the app's pool; a stuck query or server fails the render, not hangs it.
      options: '-c timezone=UTC',
      statement_timeout: 60_000,
      connectionTimeoutMillis: 10_000,
    },
  };
}

@Module({
  imports: [WorkspacesModule, ChannelsModule, PostsModule],
  controllers: [FeedsController, IcalController],
  providers: [
    FeedsService,
    FeedsRepository,
    {
      provide: FeedRenderPool,
      inject: [getDataSourceToken()],
      useFactory: (ds: DataSource) => new FeedRenderPool({ workerData: { ...workerDataOf(ds) } }),
    },
  ],
})
export class FeedsModule {}
