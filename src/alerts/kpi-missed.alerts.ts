import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { DatabaseAvailability } from '../database/database-availability';
import { AlertDestinations } from './alert-destinations';
import { kpiMissedMessage } from './alert-messages';
import { AlertsMetrics } from './alerts.metrics';
import { ALERTS_OPTIONS, type AlertsOptions } from './alerts.options';
import { AlertsRepository } from './alerts.repository';

/** A KPI's current run of missed closed periods (weeks or months in the channel's zone). */
export interface KpiStreak {
  metric: string;
  period: 'week' | 'month';
  target: number;
  alertAfter: number;
  missedInARow: number;
  /** Start of the first missed period of the run, and end of the last one. */
  since: Date;
  until: Date;
  lastActual: number | null;
}

/**
 * What a channel's measurable KPIs with `alertAfter` did in their closed periods. Declared
 * here, provided by the reports module (which measures them) through the composition root;
 * without it no kpi_missed alert opens.
 */
export abstract class KpiStreaks {
  abstract streaksOf(channel: ChannelEntity, now: Date): Promise<KpiStreak[]>;
}

export const KPI_SCAN_INTERVAL_NAME = 'alerts-kpi-scan';
/** Periods close at midnight in the channel's zone: an hourly look opens the alert within the hour. */
const KPI_SCAN_INTERVAL_MS = 3_600_000;
const PAGE = 200;

/**
 * `kpi_missed`: a KPI with `alertAfter: N` missed for N closed periods in a row opens one
 * alert, keyed (channel, kind, start of the run): every instance and every later scan
 * finds the same row, and a longer run only moves its end. When the run stops (a period
 * meets the target) the open alert closes silently (`lapsed`). One alert per run start:
 * two KPIs of a channel whose runs start the same day share it (the first one names it).
 */
@Injectable()
export class KpiMissedAlerts implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('KpiMissedAlerts');
  private running: Promise<number> | null = null;

  constructor(
    private readonly repo: AlertsRepository,
    private readonly channels: ChannelsService,
    private readonly destinations: AlertDestinations,
    private readonly metrics: AlertsMetrics,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
    private readonly database: DatabaseAvailability,
    @Inject(ALERTS_OPTIONS) private readonly options: Partial<AlertsOptions>,
    @Optional() private readonly streaks?: KpiStreaks,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.schedule === false || !this.streaks) return;
    const timer = setInterval(
      () =>
        void this.scan().catch((e: unknown) => {
          if (!this.database.explainedByOutage(e)) this.logger.error(`KPI scan failed: ${(e as Error).message}`);
        }),
      KPI_SCAN_INTERVAL_MS,
    );
    timer.unref();
    this.scheduler.addInterval(KPI_SCAN_INTERVAL_NAME, timer);
  }

  beforeApplicationShutdown(): Promise<unknown> | void {
    if (this.scheduler.doesExist('interval', KPI_SCAN_INTERVAL_NAME))
      this.scheduler.deleteInterval(KPI_SCAN_INTERVAL_NAME);
    return this.running?.catch(() => undefined);
  }

  /** One pass over the channels with KPI alerts; returns how many alerts it opened. Calls during a scan join it. */
  scan(): Promise<number> {
    this.running ??= this.scanAll().finally(() => (this.running = null));
    return this.running;
  }

  private async scanAll(): Promise<number> {
    if (!this.streaks) return 0;
    const now = this.clock.now();
    let opened = 0;
    let after: string | null = null;
    for (;;) {
      const page = await this.channels.activeWithKpiAlerts(after, PAGE);
      for (const channel of page) opened += await this.scanChannel(channel, now);
      if (page.length < PAGE) return opened;
      after = page[page.length - 1].id;
    }
  }

  private async scanChannel(channel: ChannelEntity, now: Date): Promise<number> {
    const due = (await this.streaks!.streaksOf(channel, now)).filter((s) => s.missedInARow >= s.alertAfter);
    let opened = 0;
    await this.repo.transaction(async (m) => {
      const starts = new Set(due.map((s) => s.since.getTime()));
      const open = await this.repo.openKpiAlerts(m, channel.id);
      const over = open.filter((a) => !starts.has(a.startsAt.getTime())).map((a) => a.id);
      const closed = await this.repo.resolve(m, over, 'lapsed', now);
      if (closed.length > 0) await this.repo.closeDeliveries(m, closed, false, now);
      const seen = new Set<number>();
      for (const s of due) {
        if (seen.has(s.since.getTime())) continue;
        seen.add(s.since.getTime());
        const result = await this.repo.upsert(
          m,
          {
            workspaceId: channel.workspaceId,
            channelId: channel.id,
            kind: 'kpi_missed',
            startsAt: s.since,
            endsAt: s.until,
            postId: null,
            message: kpiMissedMessage(s, s.missedInARow, s.lastActual),
            details: {
              kpi: { metric: s.metric, period: s.period, target: s.target, alertAfter: s.alertAfter },
              missedInARow: s.missedInARow,
              lastActual: s.lastActual,
            },
          },
          now,
        );
        if (!result?.opened) continue;
        opened++;
        this.metrics.opened.inc({ kind: 'kpi_missed' });
        const ws = await this.destinations.forWorkspace(channel.workspaceId, m);
        const muted = ws.mutedUntil(channel.id);
        if (muted && muted.getTime() > now.getTime()) continue;
        await this.repo.enqueueOpened(m, result.id, result.occurrence, await ws.destinations(m), now);
      }
    });
    return opened;
  }
}
