import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ChannelsModule } from '../channels/channels.module';
import { EgressModule } from '../egress/egress.module';
import { OperationsModule } from '../operations/operations.module';
import { PostsModule } from '../posts/posts.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { AlertDeliveryWorker } from './alert-delivery.worker';
import { AlertDestinations } from './alert-destinations';
import { ConnectionBrokenAlerts } from './connection-broken.alerts';
import { DigestJob } from './digest.job';
import { DigestRepository } from './digest.repository';
import { AlertsController } from './alerts.controller';
import { AlertsMetrics } from './alerts.metrics';
import { ALERTS_OPTIONS } from './alerts.options';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { GapFillSuggester } from './gap-fill.suggester';
import { GapDetectorJob } from './gap-detector.job';
import { KpiMissedAlerts } from './kpi-missed.alerts';
import { EmailNotifier } from './notifiers/email.notifier';
import { WebhookNotifier } from './notifiers/webhook.notifier';
import { PublishFailedAlerts } from './publish-failed.alerts';

/**
 * Alerts (see docs/alerts.md): the gap detector, the delivery outbox, the API, and the
 * publish_failed alerts, opened from the `post.publish_failed` event (docs/events.md) and
 * swept for by every gap scan, and the leads' weekly digest (DigestJob). Nothing else needs
 * to know this module exists.
 */
@Module({
  imports: [ScheduleModule.forRoot(), ChannelsModule, EgressModule, OperationsModule, PostsModule, WorkspacesModule],
  controllers: [AlertsController],
  providers: [
    AlertsRepository,
    AlertsMetrics,
    AlertDestinations,
    EmailNotifier,
    WebhookNotifier,
    GapFillSuggester,
    AlertDeliveryWorker,
    PublishFailedAlerts,
    ConnectionBrokenAlerts,
    GapDetectorJob,
    KpiMissedAlerts,
    AlertsService,
    DigestRepository,
    DigestJob,
    { provide: ALERTS_OPTIONS, useValue: {} },
  ],
})
export class AlertsModule {}
