import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseAvailability } from '../database/database-availability';
import { egressRefusal } from '../egress/egress-refused.error';
import { PlanService } from '../posts/plan.service';
import { HOUR_MS } from '../rules';
import { WorkspaceEntity } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { emailDestination, webhookDestination, AlertDestinations } from './alert-destinations';
import { ALERTS_OPTIONS, DEFAULT_ALERTS_OPTIONS, retryDelayMs, type AlertsOptions } from './alerts.options';
import { AlertsRepository } from './alerts.repository';
import { DigestReports, type DigestChannelSummary } from './digest-reports';
import {
  type DigestChannel,
  type DigestContent,
  RESULTS_LEFT_OUT,
  renderDigestEmail,
  renderDigestWebhook,
} from './digest-messages';
import { DigestRepository, type ClaimedDigest } from './digest.repository';
import { EmailNotifier } from './notifiers/email.notifier';
import { WebhookNotifier } from './notifiers/webhook.notifier';

export const DIGEST_INTERVAL_NAME = 'alerts-digest';
const WORKSPACE_PAGE = 200;
const MAX_ROUNDS = 20;

export interface DigestReport {
  queued: number;
  delivered: number;
  retried: number;
  cancelled: number;
}

/**
 * The weekly digest (docs/alerts.md): on each workspace's Monday at DIGEST_HOUR in its zone,
 * every lead (an active member with role lead; when the alert settings name email
 * recipients, only the leads among them) gets one email and every alert webhook one call,
 * about the week that just ended: each active channel's discipline, mix, results and open
 * alerts, with links to the page.
 *
 * - Queued by any instance that runs during that Monday from DIGEST_HOUR to midnight (local):
 *   one row per (workspace, week, destination) in digest_deliveries, the unique key making
 *   two instances queue it once; an installation down all that Monday skips the week. The
 *   recipients are those of the moment it is queued (a lead added later gets next week's).
 * - Sent like alerts: claimed under a lease (FOR UPDATE SKIP LOCKED), rendered when sent,
 *   marked delivered fenced on the claim, retried with the alerts' backoff until the week is
 *   over (then cancelled as stale).
 * - Content: from DigestReports when the composition root provides it; else discipline and
 *   mix from the plan's rule engine over the week and no results (a sentence says so).
 */
@Injectable()
export class DigestJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Digest');
  private readonly options: AlertsOptions;
  private running: Promise<DigestReport> | null = null;
  private stopping = false;

  constructor(
    private readonly repo: DigestRepository,
    private readonly alerts: AlertsRepository,
    private readonly workspaces: WorkspacesService,
    private readonly channels: ChannelsService,
    private readonly plan: PlanService,
    private readonly destinations: AlertDestinations,
    private readonly email: EmailNotifier,
    private readonly webhook: WebhookNotifier,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
    private readonly database: DatabaseAvailability,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ALERTS_OPTIONS) options: Partial<AlertsOptions>,
    @Optional() private readonly reports?: DigestReports,
  ) {
    this.options = { ...DEFAULT_ALERTS_OPTIONS, ...options };
  }

  onApplicationBootstrap(): void {
    if (!(this.options.schedule ?? true) || this.config.digestHour === null) return;
    const timer = setInterval(() => {
      void this.run().catch((error: unknown) => {
        if (!this.database.explainedByOutage(error)) this.logger.error(`Digest failed: ${(error as Error).message}`);
      });
    }, this.config.gapScanIntervalMs);
    timer.unref();
    this.scheduler.addInterval(DIGEST_INTERVAL_NAME, timer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('interval', DIGEST_INTERVAL_NAME)) this.scheduler.deleteInterval(DIGEST_INTERVAL_NAME);
    await this.running?.catch(() => undefined);
  }

  /** Queues the digests that are due, then sends what is due. Calls during a run join it. */
  run(): Promise<DigestReport> {
    this.running ??= (async () => {
      const report: DigestReport = { queued: 0, delivered: 0, retried: 0, cancelled: 0 };
      if (this.config.digestHour !== null) report.queued = await this.enqueueDue(this.clock.now());
      await this.deliver(report);
      return report;
    })().finally(() => (this.running = null));
    return this.running;
  }

  /**
   * The week a digest sent at `now` in `zone` reports on: [Monday before, this Monday), and
   * whether `now` is within this Monday's sending window (from DIGEST_HOUR to midnight).
   */
  static weekOf(
    now: Date,
    zone: string,
    hour: number,
  ): { weekStart: string; from: Date; to: Date; due: Date; open: boolean } {
    const monday = DateTime.fromJSDate(now, { zone }).startOf('week');
    const due = monday.set({ hour });
    const t = now.getTime();
    return {
      weekStart: monday.toISODate() as string,
      from: monday.minus({ weeks: 1 }).toJSDate(),
      to: monday.toJSDate(),
      due: due.toJSDate(),
      open: t >= due.toMillis() && t < monday.plus({ days: 1 }).toMillis(),
    };
  }

  private async enqueueDue(now: Date): Promise<number> {
    const hour = this.config.digestHour as number;
    let queued = 0;
    let after: string | null = null;
    for (;;) {
      const page = await this.workspaces.pageForJobs(after, WORKSPACE_PAGE);
      for (const ws of page) {
        if (this.stopping) return queued;
        const week = DigestJob.weekOf(now, ws.timezone, hour);
        // A workspace created after the moment has no week to report on yet.
        if (!week.open || ws.createdAt.getTime() > week.due.getTime()) continue;
        try {
          if (await this.repo.queued(ws.id, week.weekStart)) continue;
          if ((await this.channels.listActiveEntities(ws.id)).length === 0) continue;
          queued += await this.repo.enqueue(ws.id, week.weekStart, await this.destinationsOf(ws.id), now);
        } catch (error) {
          this.logger.error(`Queueing the digest of workspace ${ws.id} failed: ${(error as Error).message}`);
        }
      }
      if (page.length < WORKSPACE_PAGE) return queued;
      after = page[page.length - 1].id;
    }
  }

  /**
   * Each active lead by email (when SMTP_URL is set; when the alert settings list email
   * recipients, only the leads on that list: an empty list mutes the email digest), and each
   * alert webhook.
   */
  async destinationsOf(workspaceId: string): Promise<string[]> {
    const settings = await this.alerts.settingsOf(workspaceId);
    const out: string[] = [];
    if (this.email.enabled) {
      const listed = settings?.emails ? new Set(settings.emails.map((e) => e.toLowerCase())) : null;
      for (const lead of await this.workspaces.leadEmails(workspaceId)) {
        if (!listed || listed.has(lead.toLowerCase())) out.push(emailDestination(lead));
      }
    }
    for (const w of settings?.webhooks ?? []) out.push(webhookDestination(w.url));
    return [...new Set(out)];
  }

  private async deliver(report: DigestReport): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS && !this.stopping; round++) {
      const claimId = randomUUID();
      const claimed = await this.repo.claimDue(this.clock.now(), this.options.leaseMs, this.options.batchSize, claimId);
      if (claimed.length === 0) return;
      const contents = new Map<string, Promise<DigestContent | null>>();
      for (const d of claimed) {
        const key = `${d.workspaceId}|${d.weekStart}`;
        if (!contents.has(key)) contents.set(key, this.contentFor(d.workspaceId, d.weekStart));
      }
      await Promise.all(
        claimed.map(async (d) => this.send(d, await contents.get(`${d.workspaceId}|${d.weekStart}`)!, report)),
      );
      if (claimed.length < this.options.batchSize) return;
    }
  }

  private async send(d: ClaimedDigest, content: DigestContent | null, report: DigestReport): Promise<void> {
    const transport = d.destination.startsWith('email:') ? 'email' : 'webhook';
    const target = d.destination.slice(transport.length + 1);
    const cancel = async (reason: string) => {
      await this.repo.cancelClaimed(d.id, d.claimId, reason);
      report.cancelled++;
    };
    if (!content) return cancel('workspace deleted');
    const stale = DateTime.fromISO(d.weekStart, { zone: content.workspace.timezone }).plus({ weeks: 1 });
    if (this.clock.now().getTime() >= stale.toMillis()) return cancel('the week is over');
    try {
      if (transport === 'email') {
        if (!this.email.enabled) return cancel('SMTP_URL is not set');
        await this.email.send(target, renderDigestEmail(content), d.id);
      } else {
        const secret = await this.destinations.webhookSecret(d.workspaceId, target);
        if (secret === undefined) return cancel('webhook no longer in the alert settings');
        await this.webhook.send(target, renderDigestWebhook(content), d.id, secret);
      }
    } catch (error) {
      const refused = egressRefusal(error);
      if (refused) return cancel(refused.message);
      const message = (error as Error).message || String(error);
      const at = new Date(this.clock.now().getTime() + retryDelayMs(d.attempts, this.options));
      await this.repo.scheduleRetry(d.id, d.claimId, at, message);
      report.retried++;
      this.logger.warn(
        `Digest ${d.id} to ${transport} failed (attempt ${d.attempts}): ${message}; retrying at ${at.toISOString()}`,
      );
      return;
    }
    if (await this.repo.markDelivered(d.id, d.claimId, this.clock.now())) report.delivered++;
    else this.logger.warn(`Digest delivery ${d.id}: sent after its lease passed to another instance`);
  }

  /** The digest of the week that ends on `weekStart` (a Monday), as it is now; null: no such workspace. */
  async contentFor(workspaceId: string, weekStart: string): Promise<DigestContent | null> {
    const ws = await this.workspaces.byIdForJobs(workspaceId);
    if (!ws) return null;
    const monday = DateTime.fromISO(weekStart, { zone: ws.timezone }).startOf('day');
    const from = monday.minus({ weeks: 1 });
    return this.build(ws, from.toJSDate(), monday.toJSDate());
  }

  /** The digest of [from, to) of a workspace (the preview endpoint and the sender). */
  async build(ws: WorkspaceEntity, from: Date, to: Date): Promise<DigestContent> {
    const zone = ws.timezone;
    const channels = await this.channels.listActiveEntities(ws.id);
    const open = await this.alerts.openAnnounced(ws.id);
    const summaries = this.reports
      ? new Map((await this.reports.channelSummaries(ws.id, from, to)).map((s) => [s.channelId, s]))
      : null;
    const failures = summaries ? null : await this.alerts.failuresBetween(ws.id, from, to);
    const out: DigestChannel[] = [];
    for (const channel of channels) {
      const summary = summaries?.get(channel.id);
      const base = summary
        ? fromSummary(summary)
        : await this.fromPlan(channel, from, to, failures?.get(channel.id) ?? 0);
      out.push({
        ...base,
        openAlerts: open
          .filter((a) => a.channelId === channel.id)
          .map((a) => ({ id: a.id, kind: a.kind, message: a.message, openedAt: a.openedAt.toISOString() })),
      });
    }
    const base = this.config.publicUrl ?? `http://localhost:${this.config.port}`;
    const start = DateTime.fromJSDate(from, { zone });
    const end = DateTime.fromJSDate(to, { zone });
    return {
      workspace: { id: ws.id, name: ws.name, timezone: zone },
      period: {
        from: start.toISODate() as string,
        to: end.minus({ days: 1 }).toISODate() as string,
        start: from.toISOString(),
        end: to.toISOString(),
      },
      channels: out,
      resultsNote: summaries ? null : RESULTS_LEFT_OUT,
      links: {
        page: `${base}/`,
        calendar: `${base}/#calendar`,
        alerts: `${base}/#alerts`,
        reports: `${base}/#reports`,
      },
    };
  }

  /** Discipline and mix from the rule engine over the week (posts it counts: published, or still due). */
  private async fromPlan(
    channel: ChannelEntity,
    from: Date,
    to: Date,
    failures: number,
  ): Promise<Omit<DigestChannel, 'openAlerts'>> {
    const timeline = await this.plan.insightsTimeline(channel, from, to);
    const insights = this.plan.insightsOf(channel, timeline, from, to);
    const inWeek = timeline.filter((p) => p.at.getTime() >= from.getTime() && p.at.getTime() < to.getTime());
    const target = channel.rules?.cadence?.postsPerWeek ?? null;
    // The longest stretch of the week without a post, its edges included.
    const points = [from.getTime(), ...inWeek.map((p) => p.at.getTime()).sort((a, b) => a - b), to.getTime()];
    let longest = 0;
    for (let i = 1; i < points.length; i++) longest = Math.max(longest, points[i] - points[i - 1]);
    const limits = channel.rules?.mix?.limits ?? {};
    const categories = [...new Set([...Object.keys(insights.mix), ...Object.keys(limits)])].sort();
    return {
      id: channel.id,
      name: channel.name,
      platform: channel.platform,
      timezone: channel.timezone,
      discipline: {
        postsPublished: inWeek.length,
        postsPerWeekTarget: target,
        cadenceMet: target === null ? null : inWeek.length >= target,
        longestGapHours: Math.round((longest / HOUR_MS) * 10) / 10,
        onTimeShare: null,
        failures,
      },
      mix: inWeek.length
        ? categories.map((category) => {
            const share = insights.mix[category] ?? 0;
            const min = limits[category]?.min ?? null;
            const max = limits[category]?.max ?? null;
            return {
              category,
              share: Math.round(share * 1000) / 1000,
              min,
              max,
              withinLimits: (min === null || share >= min) && (max === null || share <= max),
            };
          })
        : [],
      results: null,
      reasonMissing: null,
    };
  }
}

function fromSummary(s: DigestChannelSummary): Omit<DigestChannel, 'openAlerts'> {
  return {
    id: s.channelId,
    name: s.name,
    platform: s.platform,
    timezone: s.timezone,
    discipline: {
      postsPublished: s.postsPublished,
      postsPerWeekTarget: s.postsPerWeekTarget,
      cadenceMet: s.cadenceMet,
      longestGapHours: s.longestGapHours,
      onTimeShare: s.onTimeShare,
      failures: s.failures,
    },
    mix: s.mix,
    results: {
      engagements: s.engagements,
      engagementsChange: s.engagementsChange,
      clicks: s.clicks,
      clicksChange: s.clicksChange,
    },
    reasonMissing: s.reasonMissing,
  };
}
