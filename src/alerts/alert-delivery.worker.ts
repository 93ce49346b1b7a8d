import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ChannelEntity } from '../channels/channel.entity';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { egressRefusal } from '../egress/egress-refused.error';
import { ChannelsService } from '../channels/channels.service';
import { DAY_MS } from '../rules';
import { AlertEntity } from './alert.entity';
import { AlertDestinations } from './alert-destinations';
import { type AlertView, renderEmail, type RenderInput, renderWebhook } from './alert-messages';
import { ALERTS_OPTIONS, DEFAULT_ALERTS_OPTIONS, retryDelayMs, type AlertsOptions } from './alerts.options';
import { AlertsMetrics } from './alerts.metrics';
import { AlertsRepository, type ClaimedDelivery } from './alerts.repository';
import { GapFillSuggester } from './gap-fill.suggester';
import { EmailNotifier } from './notifiers/email.notifier';
import { WebhookNotifier } from './notifiers/webhook.notifier';

/** Rounds of claims per deliver() call, so one call is bounded. */
const MAX_ROUNDS = 20;

export interface DeliveryReport {
  delivered: number;
  retried: number;
  cancelled: number;
}

/**
 * Sends the outbox: claims due rows (FOR UPDATE SKIP LOCKED, under a lease, so instances
 * take disjoint rows), renders each alert as it is now, sends, and marks each row
 * delivered or due again after a backoff (30 s doubling to 1 h, forever: an alert is
 * retried until delivered or resolved). Writes are fenced on the claim.
 */
@Injectable()
export class AlertDeliveryWorker {
  private readonly logger = new Logger('AlertDelivery');
  private readonly options: AlertsOptions;
  private running: Promise<DeliveryReport> | null = null;

  constructor(
    private readonly repo: AlertsRepository,
    private readonly destinations: AlertDestinations,
    private readonly suggester: GapFillSuggester,
    private readonly channels: ChannelsService,
    private readonly email: EmailNotifier,
    private readonly webhook: WebhookNotifier,
    private readonly metrics: AlertsMetrics,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ALERTS_OPTIONS) options: Partial<AlertsOptions>,
  ) {
    this.options = { ...DEFAULT_ALERTS_OPTIONS, ...options };
  }

  /** Sends every due delivery. Calls during a run join it. */
  deliver(): Promise<DeliveryReport> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, retried: 0, cancelled: 0 };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const claimId = randomUUID();
      const claimed = await this.repo.claimDue(this.clock.now(), this.options.leaseMs, this.options.batchSize, claimId);
      if (claimed.length === 0) break;
      const alerts = new Map(
        (await this.repo.alertsByIds([...new Set(claimed.map((c) => c.alertId))])).map((a) => [a.id, a]),
      );
      const channels = new Map(
        (await this.channels.byIds([...new Set([...alerts.values()].map((a) => a.channelId))])).map((c) => [c.id, c]),
      );
      const renders = new Map<string, Promise<Omit<RenderInput, 'event'>>>();
      await Promise.all(
        claimed.map(async (d) => {
          const alert = alerts.get(d.alertId);
          const channel = alert && channels.get(alert.channelId);
          if (!alert || !channel) {
            await this.repo.cancelClaimed(d.id, d.claimId, 'alert or channel deleted');
            report.cancelled++;
            return;
          }
          const key = `${alert.id}|${d.event}`;
          if (!renders.has(key)) renders.set(key, this.renderInput(alert, channel, d.event));
          await this.send(d, alert, { ...(await renders.get(key)!), event: d.event }, report);
        }),
      );
      if (claimed.length < this.options.batchSize) break;
    }
    return report;
  }

  private async send(
    d: ClaimedDelivery,
    alert: AlertEntity,
    input: RenderInput,
    report: DeliveryReport,
  ): Promise<void> {
    const transport = d.destination.startsWith('email:') ? 'email' : 'webhook';
    const target = d.destination.slice(transport.length + 1);
    try {
      if (transport === 'email') {
        if (!this.email.enabled) {
          await this.repo.cancelClaimed(d.id, d.claimId, 'SMTP_URL is not set');
          report.cancelled++;
          this.metrics.deliveries.inc({ transport, outcome: 'cancelled' });
          return;
        }
        await this.email.send(target, renderEmail(input), d.id);
      } else {
        const secret = await this.destinations.webhookSecret(alert.workspaceId, target);
        if (secret === undefined) {
          await this.repo.cancelClaimed(d.id, d.claimId, 'webhook no longer in the alert settings');
          report.cancelled++;
          this.metrics.deliveries.inc({ transport, outcome: 'cancelled' });
          return;
        }
        await this.webhook.send(target, renderWebhook(input), d.id, secret);
      }
    } catch (error) {
      const refused = egressRefusal(error);
      if (refused) {
        // Permanent until the settings change: the egress guard will not connect there.
        await this.repo.cancelClaimed(d.id, d.claimId, refused.message);
        report.cancelled++;
        this.metrics.deliveries.inc({ transport, outcome: 'cancelled' });
        return;
      }
      const message = (error as Error).message || String(error);
      const at = new Date(this.clock.now().getTime() + retryDelayMs(d.attempts, this.options));
      await this.repo.scheduleRetry(d.id, d.claimId, at, message);
      report.retried++;
      this.metrics.deliveries.inc({ transport, outcome: 'retry' });
      this.logger.warn(
        `Alert ${alert.id} to ${transport} failed (attempt ${d.attempts}): ${message}; retrying at ${at.toISOString()}`,
      );
      return;
    }
    if (await this.repo.markDelivered(d.id, d.claimId, this.clock.now())) {
      report.delivered++;
      this.metrics.deliveries.inc({ transport, outcome: 'delivered' });
    } else {
      this.logger.warn(`Alert delivery ${d.id}: sent after its lease passed to another instance`);
    }
  }

  private async renderInput(
    alert: AlertEntity,
    channel: ChannelEntity,
    event: 'opened' | 'resolved',
  ): Promise<Omit<RenderInput, 'event'>> {
    const view: AlertView = { ...alert, open: alert.details.open === true };
    const nextSlots = event === 'opened' ? (await this.suggester.suggest(alert, channel)).slots : [];
    return {
      alert: view,
      channel: { id: channel.id, name: channel.name, timezone: channel.timezone },
      nextSlots,
      calendarUrl: this.calendarUrl(alert),
    };
  }

  private calendarUrl(alert: AlertEntity): string {
    const base = this.config.publicUrl ?? `http://localhost:${this.config.port}`;
    const to = new Date(alert.endsAt.getTime() + DAY_MS);
    const from = new Date(Math.max(alert.startsAt.getTime() - DAY_MS, to.getTime() - 90 * DAY_MS));
    return `${base}/v1/channels/${alert.channelId}/calendar?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
  }
}
