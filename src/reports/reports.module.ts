import { DynamicModule, Module, type ModuleMetadata, type Type } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { PostsModule } from '../posts/posts.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ReportClicks, ReportEngagement } from './report-sources';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

export interface ReportsModuleOptions {
  /** The modules that export the sources' providers. */
  imports: NonNullable<ModuleMetadata['imports']>;
  /** Provides latestFor (MetricsService). */
  engagement: Type<ReportEngagement> | Type<unknown>;
  /** Provides clicksByLink (LinksService). */
  clicks: Type<ReportClicks> | Type<unknown>;
}

/**
 * The channel and workspace health reports (issue 15). It imports neither metrics nor
 * links: the composition root names the providers of its ports (report-sources.ts).
 */
@Module({})
export class ReportsModule {
  static forRoot(options: ReportsModuleOptions): DynamicModule {
    return {
      module: ReportsModule,
      imports: [PostsModule, ChannelsModule, WorkspacesModule, ...options.imports],
      controllers: [ReportsController],
      providers: [
        ReportsService,
        { provide: ReportEngagement, useExisting: options.engagement },
        { provide: ReportClicks, useExisting: options.clicks },
      ],
      exports: [ReportsService],
    };
  }
}
