import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { EntityManager } from 'typeorm';
import { ChannelEntity } from '../channels/channel.entity';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseAvailability } from '../database/database-availability';
import { ChannelsService } from '../channels/channels.service';
import { PlanService } from '../posts/plan.service';
import { DAY_MS, type Gap, HOUR_MS, weekBounds } from '../rules';
import { AlertDetails, AlertEntity, AlertResolution, SETTLING_KINDS } from './alert.entity';
import { AlertDestinations, type WorkspaceAlerting } from './alert-destinations';
import { gapMessage } from './alert-messages';
import { AlertDeliveryWorker } from './alert-delivery.worker';
import { ALERTS_OPTIONS, DEFAULT_ALERTS_OPTIONS, type AlertsOptions } from './alerts.options';
import { AlertsMetrics } from './alerts.metrics';
import { AlertsRepository, type AlertUpsert } from './alerts.repository';
import { PublishFailedAlerts } from './publish-failed.alerts';

export const GAP_SCAN_INTERVAL_NAME = 'alerts-gap-scan';
export const ALERT_DELIVERY_INTERVAL_NAME = 'alerts-delivery';

export interface ScanReport {
  channels: number;
  /** Channels another instance was scanning at the same moment. */
  skipped: number;
  opened: number;
  updated: number;
  resolved: number;
  /** Outbox rows queued. */
  queued: number;
  /** publish_failed alerts the sweep opened for failed posts that had none (their event was lost). */
  failuresAlerted: number;
}

type GapKind = Gap['kind'];
interface DesiredGap extends AlertUpsert {
  kind: GapKind;
}

/**
 * Finds every active channel's gaps with the calendar's rule engine (PlanService.insights)
 * and keeps one alert per gap:
 *
 * - window: from the start of the channel's current week (in its zone) to the end of the
 *   week that the lookahead (alert settings, default 14 days) reaches, so every week it
 *   touches is judged whole; only gaps that end after now count (a past gap is history);
 * - a gap's start is the post before it (engine), or the channel's creation when the
 *   channel has no post at all, never "now": every scan and every instance finds the same
 *   key (workspace, channel, kind, start);
 * - per channel, one transaction under a try-advisory-lock (an instance that finds the
 *   channel locked skips it: the other one is doing the same work), upserts the gaps,
 *   resolves open alerts whose gap is gone, and queues the deliveries of what opened;
 * - settling: a planned gap (planned_gap, under_cadence) is queued only by a scan that finds
 *   it still open ALERT_SETTLE_MS after it opened (`announced_occurrence` records it); one
 *   filled before is resolved with nothing queued, so nobody hears of it. Inactivity and
 *   failures are queued at once. A gap that shrinks or grows keeps its start, so it is the
 *   same alert and keeps its settling time; a post planned inside a gap starts a new gap
 *   (a new start), which settles on its own;
 * - before the channels, the sweep of failed posts (PublishFailedAlerts.sweep): the
 *   `post.publish_failed` event is the fast path of their alerts, this scan the guarantee.
 *
 * Its timers run unless ALERTS_OPTIONS says `schedule: false` (tests drive scan() and
 * deliver() by hand that way).
 */
@Injectable()
export class GapDetectorJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('GapDetector');
  private readonly options: AlertsOptions;
  private running: Promise<ScanReport> | null = null;
  private ticking: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly repo: AlertsRepository,
    private readonly plan: PlanService,
    private readonly channels: ChannelsService,
    private readonly destinations: AlertDestinations,
    private readonly worker: AlertDeliveryWorker,
    private readonly failures: PublishFailedAlerts,
    private readonly metrics: AlertsMetrics,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ALERTS_OPTIONS) options: Partial<AlertsOptions>,
    private readonly database: DatabaseAvailability,
  ) {
    this.options = { ...DEFAULT_ALERTS_OPTIONS, ...options };
  }

  get scheduled(): boolean {
    return this.options.schedule ?? true;
  }

  onApplicationBootstrap(): void {
    if (!this.scheduled) return;
    const scan = setInterval(() => void this.tick(), this.config.gapScanIntervalMs);
    scan.unref();
    this.scheduler.addInterval(GAP_SCAN_INTERVAL_NAME, scan);
    const every = this.options.deliveryIntervalMs ?? Math.min(this.config.gapScanIntervalMs, 5_000);
    // During a database outage DatabaseAvailability says so once; each round does not.
    const failed = (what: string, error: unknown) => {
      if (!this.database.explainedByOutage(error)) this.logger.error(`${what} failed: ${(error as Error).message}`);
    };
    const deliver = setInterval(
      () => void this.worker.deliver().catch((e: unknown) => failed('Alert delivery', e)),
      every,
    );
    deliver.unref();
    this.scheduler.addInterval(ALERT_DELIVERY_INTERVAL_NAME, deliver);
    setImmediate(() => void this.tick());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const name of [GAP_SCAN_INTERVAL_NAME, ALERT_DELIVERY_INTERVAL_NAME]) {
      if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    }
    await this.ticking?.catch(() => undefined);
    await this.running?.catch(() => undefined);
    await this.worker.idle();
  }

  /** A scan, then the deliveries it queued. */
  tick(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    this.ticking ??= (async () => {
      try {
        await this.scan();
        await this.worker.deliver();
      } catch (error) {
        if (!this.database.explainedByOutage(error)) this.logger.error(`Gap scan failed: ${(error as Error).message}`);
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  /** One pass over every active channel with cadence rules. Calls during a scan join it. */
  scan(): Promise<ScanReport> {
    this.running ??= this.scanAll().finally(() => (this.running = null));
    return this.running;
  }

  private async scanAll(): Promise<ScanReport> {
    const end = this.metrics.scanDuration.startTimer();
    const report: ScanReport = {
      channels: 0,
      skipped: 0,
      opened: 0,
      updated: 0,
      resolved: 0,
      queued: 0,
      failuresAlerted: 0,
    };
    const now = this.clock.now();
    await this.repo.transaction(async (m) => {
      const gone = await this.repo.resolveInapplicable(m, now);
      await this.repo.closeDeliveries(m, gone, false, now);
      const handled = await this.repo.resolveHandledFailures(m, now);
      await this.repo.closeDeliveries(m, handled, true, now);
      report.resolved += gone.length + handled.length;
      if (gone.length) this.metrics.resolved.inc({ resolution: 'not_applicable' }, gone.length);
      if (handled.length) this.metrics.resolved.inc({ resolution: 'handled' }, handled.length);
    });
    try {
      report.failuresAlerted = await this.failures.sweep(now);
    } catch (error) {
      this.logger.error(`Sweep of failed posts failed: ${(error as Error).message}`);
    }
    const workspaces = new Map<string, Promise<WorkspaceAlerting>>();
    let after: string | null = null;
    for (;;) {
      const page = await this.channels.activeWithCadence(after, this.options.channelPageSize);
      for (const channel of page) {
        if (this.stopping) break;
        let ws = workspaces.get(channel.workspaceId);
        if (!ws) workspaces.set(channel.workspaceId, (ws = this.destinations.forWorkspace(channel.workspaceId)));
        try {
          await this.scanChannel(channel, await ws, now, report);
        } catch (error) {
          this.logger.error(`Gap scan of channel ${channel.id} failed: ${(error as Error).message}`);
        }
      }
      if (page.length < this.options.channelPageSize || this.stopping) break;
      after = page[page.length - 1].id;
    }
    end();
    return report;
  }

  private async scanChannel(
    channel: ChannelEntity,
    ws: WorkspaceAlerting,
    now: Date,
    report: ScanReport,
  ): Promise<void> {
    report.channels++;
    await this.repo.transaction(async (m) => {
      if (!(await this.repo.tryLockChannel(m, channel.id))) {
        report.skipped++;
        return;
      }
      const desired = await this.gapsOf(channel, ws.lookaheadDays, now);
      const open = await this.repo.openGapAlerts(m, channel.id);
      const key = (kind: string, at: Date) => `${kind}|${at.getTime()}`;
      const openKeys = new Set(open.map((a) => key(a.kind, a.startsAt)));
      const opened: { id: string; occurrence: number; kind: string }[] = [];
      for (const gap of desired) {
        const result = await this.repo.upsert(m, gap, now);
        if (!result) continue;
        if (result.opened) opened.push({ ...result, kind: gap.kind });
        else if (openKeys.has(key(gap.kind, gap.startsAt))) report.updated++;
      }
      const wanted = new Set(desired.map((g) => key(g.kind, g.startsAt)));
      const byResolution = new Map<AlertResolution, AlertEntity[]>();
      for (const alert of open) {
        if (wanted.has(key(alert.kind, alert.startsAt))) continue;
        const resolution = this.resolutionOf(alert, desired, now);
        byResolution.set(resolution, [...(byResolution.get(resolution) ?? []), alert]);
      }
      for (const [resolution, alerts] of byResolution) {
        const closed = await this.repo.resolve(
          m,
          alerts.map((a) => a.id),
          resolution,
          now,
        );
        await this.repo.closeDeliveries(m, closed, resolution === 'filled', now);
        report.resolved += closed.length;
        if (closed.length) this.metrics.resolved.inc({ resolution }, closed.length);
      }
      // Planned gaps settle first (ALERT_SETTLE_MS): queued by the first scan that still finds
      // them open once that long has passed since they opened; the others are queued now.
      const settle = this.config.alertSettleMs;
      const settling = (kind: string) => settle > 0 && SETTLING_KINDS.includes(kind as GapKind);
      const due = opened.filter((o) => !settling(o.kind));
      for (const alert of open) {
        if (
          SETTLING_KINDS.includes(alert.kind) &&
          alert.announcedOccurrence !== alert.occurrence &&
          wanted.has(key(alert.kind, alert.startsAt)) &&
          alert.openedAt.getTime() + settle <= now.getTime()
        ) {
          due.push({ id: alert.id, occurrence: alert.occurrence, kind: alert.kind });
        }
      }
      if (due.length) report.queued += await this.queueOpened(m, channel, ws, due, now);
      await this.repo.markAnnounced(
        m,
        due.filter((o) => SETTLING_KINDS.includes(o.kind as GapKind)).map((o) => o.id),
      );
      report.opened += opened.length;
      for (const o of opened) this.metrics.opened.inc({ kind: o.kind });
    });
  }

  /**
   * A gap that is no longer found: `escalated` when a planned gap became inactivity (the
   * same start, now overdue: a new alert says so), `lapsed` when its time is over (a week
   * that ended, or a planned gap the scans missed while no instance ran), else `filled` (a
   * post was planned or published in it), which is announced.
   */
  private resolutionOf(alert: AlertEntity, desired: DesiredGap[], now: Date): AlertResolution {
    if (
      alert.kind === 'planned_gap' &&
      desired.some((d) => d.kind === 'inactivity' && d.startsAt.getTime() === alert.startsAt.getTime())
    ) {
      return 'escalated';
    }
    // Inactivity ends with a post at or before now: that is the good news to announce.
    if (alert.kind !== 'inactivity' && alert.endsAt.getTime() <= now.getTime()) return 'lapsed';
    return 'filled';
  }

  /** Queues the deliveries of newly opened alerts, unless the channel is muted. */
  private async queueOpened(
    m: EntityManager,
    channel: ChannelEntity,
    ws: WorkspaceAlerting,
    opened: { id: string; occurrence: number }[],
    now: Date,
  ): Promise<number> {
    const muted = ws.mutedUntil(channel.id);
    if (muted && muted.getTime() > now.getTime()) return 0;
    const destinations = await ws.destinations(m);
    let queued = 0;
    for (const o of opened) queued += await this.repo.enqueueOpened(m, o.id, o.occurrence, destinations, now);
    return queued;
  }

  /** The channel's current and coming gaps, as alert rows. */
  async gapsOf(channel: ChannelEntity, lookaheadDays: number, now: Date): Promise<DesiredGap[]> {
    const rules = channel.rules;
    const cadence = rules.cadence ?? {};
    const zone = channel.timezone;
    const from = weekBounds(now, zone).start;
    const to = weekBounds(now.getTime() + lookaheadDays * DAY_MS - 1, zone).end;
    const openEnd = Math.max(now.getTime(), to.getTime());
    const { gaps, violations } = await this.plan.insights(channel, from, to);
    const out: DesiredGap[] = [];
    let unanchored = cadence.maxGapHours !== undefined;
    for (const g of gaps) {
      const start = new Date(g.from);
      const end = new Date(g.to);
      if (end.getTime() <= now.getTime()) continue; // history, not an alert
      const base = {
        workspaceId: channel.workspaceId,
        channelId: channel.id,
        kind: g.kind,
        startsAt: start,
        endsAt: end,
        postId: g.afterPostId ?? null,
      };
      if (g.kind === 'under_cadence') {
        const measured = violations.find((v) => v.rule === 'postsPerWeek' && v.from === g.from)?.measured;
        const details: AlertDetails = {
          postsPerWeek: cadence.postsPerWeek,
          ...(measured !== undefined ? { planned: measured } : {}),
        };
        out.push({
          ...base,
          details,
          message: gapMessage(
            'under_cadence',
            { from: start, to: end, open: false, sinceCreation: false },
            details,
            zone,
          ),
        });
        continue;
      }
      if (!g.afterPostId) continue; // an empty plan: anchored on the channel's creation below
      unanchored = false;
      const open = end.getTime() === openEnd;
      const details: AlertDetails = { maxGapHours: cadence.maxGapHours, ...(open ? { open } : {}) };
      out.push({
        ...base,
        details,
        message: gapMessage(g.kind, { from: start, to: end, open, sinceCreation: false }, details, zone),
      });
    }
    if (unanchored && cadence.maxGapHours !== undefined && !(await this.plan.hasPlannedPost(channel.id))) {
      // The engine anchors an empty plan on "now", which moves; an alert needs a fixed start.
      const start = channel.createdAt;
      const limit = cadence.maxGapHours * HOUR_MS;
      if (openEnd - start.getTime() > limit) {
        const kind: GapKind = start.getTime() + limit <= now.getTime() ? 'inactivity' : 'planned_gap';
        const details: AlertDetails = { maxGapHours: cadence.maxGapHours, open: true, sinceCreation: true };
        out.push({
          workspaceId: channel.workspaceId,
          channelId: channel.id,
          kind,
          startsAt: start,
          endsAt: new Date(openEnd),
          postId: null,
          details,
          message: gapMessage(
            kind,
            { from: start, to: new Date(openEnd), open: true, sinceCreation: true },
            details,
            zone,
          ),
        });
      }
    }
    return out;
  }
}
