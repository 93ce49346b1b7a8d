import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CalendarModule } from './calendar/calendar.module';
import { ChannelsModule } from './channels/channels.module';
import { ConnectModule } from './connect/connect.module';
import { Clock } from './common/clock';
import { CoreModule } from './core.module';
import { FeedsModule } from './feeds/feeds.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { ProblemDetailsFilter } from './common/problem-details.filter';
import { AppConfig } from './config/app-config';
import { DatabaseModule } from './database/database.module';
import { dataSourceOptions } from './data-source.options';
import { LinksModule } from './links/links.module';
import { LinksService } from './links/links.service';
import { MediaApiModule } from './media/media.module';
import { Metrics } from './operations/metrics';
import { MetricsModule } from './metrics/metrics.module';
import { MetricsService } from './metrics/metrics.service';
import { OperationsModule } from './operations/operations.module';
import { PeopleModule } from './people/people.module';
import { PostsModule } from './posts/posts.module';
import { SlotEngagement } from './posts/slot-engagement';
import { ReportsModule } from './reports/reports.module';
import { ReportsService } from './reports/reports.service';
import { PublishingModule } from './publishing/publishing.module';
import { ThrottleModule } from './throttle/throttle.module';
import { WebModule } from './web/web.module';
import { WorkspacesModule } from './workspaces/workspaces.module';

export interface AppModuleOptions {
  /** Validated configuration with databaseUrl and secretKey resolved. */
  config: AppConfig & { databaseUrl: string; secretKey: string };
  /** Tests inject a clock they move by hand. */
  clock?: Clock;
}

const reports = ReportsModule.forRoot({
  imports: [MetricsModule, LinksModule],
  engagement: MetricsService,
  clicks: LinksService,
});

/**
 * The reports read metrics and links through their own ports (ReportsModule.forRoot), and
 * the posts' next-slot?prefer=engagement asks the reports for a channel's best times
 * (posts' SlotEngagement, provided here globally so that posts need not import reports).
 */
@Global()
@Module({
  imports: [reports],
  providers: [{ provide: SlotEngagement, useExisting: ReportsService }],
  exports: [SlotEngagement],
})
class ReportsWiringModule {}

@Module({})
export class AppModule {
  static forRoot({ config, clock }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config, clock),
        // The bus of the events modules state after commit (docs/events.md): global infrastructure, like the database.
        EventEmitterModule.forRoot(),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl, { timeoutMs: config.dbTimeoutMs })),
        DatabaseModule,
        OperationsModule,
        ThrottleModule.forRoot({
          imports: [OperationsModule],
          inject: [Metrics],
          useFactory: (metrics: Metrics) => metrics.registry,
        }),
        AuthModule.forRoot(WorkspacesModule),
        IdempotencyModule,
        WorkspacesModule,
        PeopleModule,
        ChannelsModule,
        ConnectModule,
        PostsModule,
        // The media API needs to know what posts use: PostsModule provides MediaUsage.
        MediaApiModule.forRoot(PostsModule),
        CalendarModule,
        FeedsModule,
        AuditModule,
        LinksModule,
        PublishingModule,
        AlertsModule,
        MetricsModule,
        ReportsWiringModule,
        WebModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
