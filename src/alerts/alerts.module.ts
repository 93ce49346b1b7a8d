import { Global, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ChannelsModule } from '../channels/channels.module';
import { EgressModule } from '../egress/egress.module';
import { PostsModule } from '../posts/posts.module';
import { PUBLISH_FAILURE_HOOK } from '../publishing/publish-failure.listener';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AlertDeliveryWorker } from './alert-delivery.worker';
import { AlertDestinations } from './alert-destinations';
import { AlertsController } from './alerts.controller';
import { AlertsMetrics } from './alerts.metrics';
import { ALERTS_OPTIONS } from './alerts.options';
import { AlertsRepository } from './alerts.repository';
import { AlertsPublishFailureListener, AlertsService } from './alerts.service';
import { GapFillSuggester } from './gap-fill.suggester';
import { GapDetectorJob } from './gap-detector.job';
import { EmailNotifier } from './notifiers/email.notifier';
import { WebhookNotifier } from './notifiers/webhook.notifier';

/**
 * Alerts (see docs/alerts.md): the gap detector, the delivery outbox, the API, and the
 * publish_failed hook. Global so that PublishingModule finds PUBLISH_FAILURE_HOOK.
 */
@Global()
@Module({
  imports: [ScheduleModule.forRoot(), ChannelsModule, EgressModule, PostsModule, WorkspacesModule],
  controllers: [AlertsController],
  providers: [
    AlertsRepository,
    AlertsMetrics,
    AlertDestinations,
    EmailNotifier,
    WebhookNotifier,
    GapFillSuggester,
    AlertDeliveryWorker,
    GapDetectorJob,
    AlertsService,
    AlertsPublishFailureListener,
    { provide: PUBLISH_FAILURE_HOOK, useExisting: AlertsPublishFailureListener },
    { provide: ALERTS_OPTIONS, useValue: {} },
  ],
  exports: [PUBLISH_FAILURE_HOOK, AlertsService, GapDetectorJob, AlertDeliveryWorker],
})
export class AlertsModule {}
