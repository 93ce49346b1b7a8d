import type { BestTimeCell } from '../posts/best-times';
import type { KpiItem, KpiMetric, KpiPeriod } from '../channels/channel-kpis';
import type { ChannelRules } from '../rules';

/** What the engine knows of the channel. */
export interface ReportChannelInput {
  id: string;
  name: string;
  platform: string;
  timezone: string;
  purpose: string | null;
  audience: string | null;
  goal: string | null;
  kpis: KpiItem[];
  rules: ChannelRules;
  /** The channel's utm campaign: the campaign of its posts whose links carry none. */
  campaign: string | null;
}

/** A published or failed post of the period or the previous one. */
export interface ReportPostInput {
  id: string;
  status: 'published' | 'failed';
  scheduledAt: Date | null;
  publishedAt: Date | null;
  category: string;
  url: string | null;
}

export interface ReportSnapshot {
  at: Date;
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  quotes: number | null;
  clicks: number | null;
}

export interface ReportLinkClicks {
  postId: string;
  code: string;
  targetUrl: string;
  clicks: number;
}

/** Days in the channel's zone, `to` inclusive. */
export interface ReportPeriodDays {
  from: string;
  to: string;
}

export interface ReportInput {
  channel: ReportChannelInput;
  period: ReportPeriodDays;
  /** Posts of both periods (the engine sorts them out): published by published_at, failed by scheduled_at. */
  posts: ReportPostInput[];
  /** The newest snapshot per post (absent: no snapshot). */
  metrics: Map<string, ReportSnapshot>;
  /** Clicks per tracked link of the period's posts within the period, and of the previous period's within it. */
  clicks: ReportLinkClicks[];
  previousClicks: ReportLinkClicks[];
  /** Rule overrides (audit trail) in each period. */
  overrides: number;
  previousOverrides: number;
  /** From the channel's whole history; omitted in the workspace report. */
  bestTimes?: BestTimeCell[];
  /** Periods that end after `now` are not judged (KPIs, weeks). */
  now: Date;
}

export interface ReportWeek {
  weekStart: string;
  published: number;
  target: number | null;
  /** null: the week is not judged (no target, cut by the period's edges, or not over yet). */
  met: boolean | null;
  partial: boolean;
}

export interface DisciplineFigures {
  postsPublished: number;
  postsPerWeekTarget: number | null;
  weeksMet: number;
  weeksJudged: number;
  longestGapHours: number | null;
  onTimeShare: number | null;
  latenessP50Seconds: number | null;
  latenessP95Seconds: number | null;
  failures: number;
  overrides: number;
}

export interface EngagementTotals {
  posts: number;
  /** Posts with at least one snapshot: the divisor of perPost. */
  measured: number;
  likes: number;
  reposts: number;
  replies: number;
  quotes: number;
  engagements: number;
  perPost: number | null;
}

export interface ReportPostRow {
  postId: string;
  scheduledAt: string | null;
  publishedAt: string;
  category: string;
  campaign: string | null;
  url: string | null;
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  quotes: number | null;
  engagements: number | null;
  clicks: number | null;
  metricsAt: string | null;
}

export interface KpiPeriodFigure {
  start: string;
  actual: number | null;
  met: boolean | null;
  partial: boolean;
}

export type KpiReport =
  | { text: string }
  | {
      metric: KpiMetric;
      period: KpiPeriod;
      target: number;
      alertAfter: number | null;
      periods: KpiPeriodFigure[];
      met: number;
      missed: number;
      missedInARow: number;
      /** Start of the first period of the current run of misses (the kpi_missed alert's natural key). */
      missedSince: string | null;
    };

export interface ChannelReport {
  channel: { id: string; name: string; platform: string; timezone: string };
  period: { from: string; to: string; start: string; end: string };
  previousPeriod: { from: string; to: string; start: string; end: string };
  reason: {
    purpose: boolean;
    audience: boolean;
    goal: boolean;
    kpis: boolean;
    missing: string[];
    complete: boolean;
  };
  discipline: DisciplineFigures & { weeks: ReportWeek[]; previous: DisciplineFigures };
  mix: {
    limits: { category: string; min: number | null; max: number | null }[];
    weeks: { weekStart: string; posts: number; shares: Record<string, number> }[];
    overall: {
      category: string;
      posts: number;
      share: number;
      min: number | null;
      max: number | null;
      withinLimits: boolean;
    }[];
    previous: { category: string; posts: number; share: number }[];
  };
  engagement: {
    totals: EngagementTotals;
    previous: EngagementTotals;
    posts: ReportPostRow[];
    byCategory: { category: string; posts: number; engagements: number; perPost: number | null }[];
    byCampaign: { campaign: string | null; posts: number; engagements: number; clicks: number | null }[];
  };
  clicks: {
    total: number | null;
    previous: number | null;
    byPost: { postId: string; clicks: number }[];
    byLink: { postId: string; url: string; clicks: number }[];
    byCampaign: { campaign: string | null; clicks: number }[];
  };
  bestTimes?: { cells: BestTimeCell[] };
  kpis: KpiReport[];
}
