import { Injectable, Optional } from '@nestjs/common';
import { DateTime } from 'luxon';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import type { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { bestTimesTable, type BestTimeCell } from '../posts/best-times';
import { ReportsQueries } from '../posts/report.queries';
import { SlotEngagement } from '../posts/slot-engagement';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { buildChannelReport, engagementsOf } from './report.engine';
import { periodInZone, previousPeriod, ReportPeriodError, resolvePeriod, type ZonedPeriod } from './report-period';
import { ReportClicks, ReportEngagement, type DigestChannelSummary } from './report-sources';
import type { ChannelReport, ReportLinkClicks, ReportSnapshot } from './report.types';

export type WorkspaceChannelReport = Omit<ChannelReport, 'bestTimes'>;

export interface WorkspaceReport {
  workspace: { id: string; name: string; timezone: string };
  period: { from: string; to: string; start: string; end: string };
  channels: WorkspaceChannelReport[];
  totals: { postsPublished: number; engagements: number; clicks: number | null };
}

type Overrides = { postId: string; at: Date; channelId: string }[];

/**
 * The channel health report (issue 15): reads the posts (ReportsQueries), their latest
 * metrics and link clicks (the ReportEngagement / ReportClicks ports) and the audit trail's
 * overrides, and hands plain data to the pure engine (report.engine.ts).
 */
@Injectable()
export class ReportsService implements SlotEngagement {
  constructor(
    private readonly channels: ChannelsService,
    private readonly workspaces: WorkspacesService,
    private readonly queries: ReportsQueries,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Optional() private readonly engagement?: ReportEngagement,
    @Optional() private readonly clicks?: ReportClicks,
  ) {}

  async channelReport(actor: Actor, channelId: string, query: { from?: string; to?: string }): Promise<ChannelReport> {
    const channel = await this.channels.get(actor, channelId);
    const period = this.resolve(query, channel.timezone);
    const overrides = await this.overrides(
      channel.workspaceId,
      previousPeriod(period, channel.timezone).start,
      period.end,
    );
    return this.build(channel, period, overrides, true);
  }

  async workspaceReport(
    actor: Actor,
    workspaceId: string,
    query: { from?: string; to?: string },
  ): Promise<WorkspaceReport> {
    const ws = await this.workspaces.get(actor, workspaceId);
    const period = this.resolve(query, ws.timezone);
    const channels = await this.channels.listActiveEntities(ws.id);
    const reports = await this.channelReports(ws.id, channels, period);
    const clicks = reports.map((r) => r.clicks.total).filter((c): c is number => c !== null);
    return {
      workspace: { id: ws.id, name: ws.name, timezone: ws.timezone },
      period: { from: period.from, to: period.to, start: period.start.toISOString(), end: period.end.toISOString() },
      channels: reports,
      totals: {
        postsPublished: reports.reduce((s, r) => s + r.discipline.postsPublished, 0),
        engagements: reports.reduce((s, r) => s + r.engagement.totals.engagements, 0),
        clicks: clicks.length === 0 ? null : clicks.reduce((s, c) => s + c, 0),
      },
    };
  }

  /**
   * The weekly digest's per-channel figures over [from, to): each active channel's report
   * over the days of its zone that the range covers (from's day to the day before to).
   */
  async channelSummaries(workspaceId: string, from: Date, to: Date): Promise<DigestChannelSummary[]> {
    const channels = await this.channels.listActiveEntities(workspaceId);
    const out: DigestChannelSummary[] = [];
    for (const channel of channels) {
      const zone = channel.timezone;
      const period = periodInZone(
        {
          from: DateTime.fromJSDate(from, { zone }).toISODate()!,
          to: DateTime.fromJSDate(new Date(Math.max(from.getTime(), to.getTime() - 1)), { zone }).toISODate()!,
        },
        zone,
      );
      const overrides = await this.overrides(workspaceId, previousPeriod(period, zone).start, period.end);
      const r = await this.build(channel, period, overrides, false);
      const d = r.discipline;
      const e = r.engagement;
      out.push({
        channelId: channel.id,
        name: channel.name,
        platform: channel.platform,
        timezone: zone,
        postsPublished: d.postsPublished,
        postsPerWeekTarget: d.postsPerWeekTarget,
        cadenceMet: d.weeksJudged === 0 ? null : d.weeksMet === d.weeksJudged,
        longestGapHours: d.longestGapHours,
        onTimeShare: d.onTimeShare,
        failures: d.failures,
        mix: r.mix.overall.map((m) => ({
          category: m.category,
          share: m.share,
          min: m.min,
          max: m.max,
          withinLimits: m.withinLimits,
        })),
        engagements: e.totals.measured === 0 ? null : e.totals.engagements,
        engagementsChange:
          e.totals.measured === 0 || e.previous.measured === 0 ? null : e.totals.engagements - e.previous.engagements,
        clicks: r.clicks.total,
        clicksChange: r.clicks.total === null || r.clicks.previous === null ? null : r.clicks.total - r.clicks.previous,
        reasonMissing: r.reason.missing,
      });
    }
    return out;
  }

  /** The channel's weekday x hour table of median engagement over its whole history. */
  async bestTimes(channel: Pick<ChannelEntity, 'id' | 'timezone'>): Promise<BestTimeCell[]> {
    if (!this.engagement) return [];
    const history = await this.queries.publishedHistory(channel.id);
    const metrics = await this.engagement.latestFor(history.map((p) => p.id));
    return bestTimesTable(
      history.map((p) => ({ publishedAt: p.publishedAt, engagements: engagementsOf(metrics.get(p.id)) })),
      channel.timezone,
    );
  }

  /** The reports of these channels over the workspace's days (each in its own zone), without best times. */
  async channelReports(
    workspaceId: string,
    channels: ChannelEntity[],
    days: Pick<ZonedPeriod, 'from' | 'to'>,
  ): Promise<WorkspaceChannelReport[]> {
    const out: WorkspaceChannelReport[] = [];
    for (const channel of channels) {
      const period = periodInZone(days, channel.timezone);
      const overrides = await this.overrides(workspaceId, previousPeriod(period, channel.timezone).start, period.end);
      out.push(await this.build(channel, period, overrides, false));
    }
    return out;
  }

  private resolve(query: { from?: string; to?: string }, zone: string): ZonedPeriod {
    try {
      return resolvePeriod(query, zone, this.clock.now());
    } catch (e) {
      if (e instanceof ReportPeriodError) throw DomainError.invalid(e.field, e.message);
      throw e;
    }
  }

  private async overrides(workspaceId: string, from: Date, to: Date): Promise<Overrides> {
    const found = await this.audit.overridesIn(workspaceId, from, to);
    const channelOf = await this.queries.channelsOf([...new Set(found.map((o) => o.postId))]);
    return found.filter((o) => channelOf.has(o.postId)).map((o) => ({ ...o, channelId: channelOf.get(o.postId)! }));
  }

  private async build(
    channel: ChannelEntity,
    period: ZonedPeriod,
    overrides: Overrides,
    withBestTimes: boolean,
  ): Promise<ChannelReport> {
    const prev = previousPeriod(period, channel.timezone);
    const posts = await this.queries.periodPosts([channel.id], prev.start, period.end);
    const published = posts.filter((p) => p.status === 'published' && p.publishedAt);
    const inPeriod = (at: Date, p: ZonedPeriod) => at >= p.start && at < p.end;
    const curIds = published.filter((p) => inPeriod(p.publishedAt!, period)).map((p) => p.id);
    const prevIds = published.filter((p) => inPeriod(p.publishedAt!, prev)).map((p) => p.id);
    const [metrics, clicks, previousClicks, bestTimes] = await Promise.all([
      this.engagement ? this.engagement.latestFor(published.map((p) => p.id)) : new Map<string, ReportSnapshot>(),
      this.clicks ? this.clicks.clicksByLink(curIds, period.start, period.end) : ([] as ReportLinkClicks[]),
      this.clicks ? this.clicks.clicksByLink(prevIds, prev.start, prev.end) : ([] as ReportLinkClicks[]),
      withBestTimes ? this.bestTimes(channel) : undefined,
    ]);
    const own = overrides.filter((o) => o.channelId === channel.id);
    return buildChannelReport({
      channel: {
        id: channel.id,
        name: channel.name,
        platform: channel.platform,
        timezone: channel.timezone,
        purpose: channel.purpose,
        audience: channel.audience,
        goal: channel.goal,
        kpis: channel.kpis ?? [],
        rules: channel.rules ?? {},
        campaign: channel.utm?.campaign ?? null,
      },
      period: { from: period.from, to: period.to },
      posts,
      metrics,
      clicks,
      previousClicks,
      overrides: own.filter((o) => inPeriod(o.at, period)).length,
      previousOverrides: own.filter((o) => inPeriod(o.at, prev)).length,
      bestTimes,
      now: this.clock.now(),
    });
  }
}
