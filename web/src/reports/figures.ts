import type { ChannelReport, DisciplineFigures, EngagementTotals, ReportKpi } from '../api/types';

/** What the page shows for an absent number (the platform has no such count, or nothing to measure). */
export const NONE = '—';

export type FigureKind = 'count' | 'share' | 'hours' | 'seconds' | 'decimal';

/** A number as the report shows it: shares as percentages, durations with their unit. */
export function formatValue(value: number | null | undefined, kind: FigureKind): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NONE;
  switch (kind) {
    case 'count':
      return String(Math.round(value));
    case 'decimal':
      return (Math.round(value * 100) / 100).toString();
    case 'share':
      return `${Math.round(value * 100)}%`;
    case 'hours':
      return value >= 48 ? `${Math.floor(value / 24)} d ${Math.round(value % 24)} h` : `${round1(value)} h`;
    case 'seconds':
      if (value < 90) return `${Math.round(value)} s`;
      if (value < 5400) return `${round1(value / 60)} min`;
      return `${round1(value / 3600)} h`;
  }
}

/** The change against the previous period: "+3", "−5 pp", "±0"; null when either side is unknown. */
export function formatChange(
  current: number | null | undefined,
  previous: number | null | undefined,
  kind: FigureKind,
): string | null {
  if (current === null || current === undefined || previous === null || previous === undefined) return null;
  const delta = current - previous;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  const size = Math.abs(delta);
  switch (kind) {
    case 'share':
      return `${sign}${Math.round(size * 100)} pp`;
    case 'hours':
      return `${sign}${round1(size)} h`;
    case 'seconds':
      return `${sign}${formatValue(size, 'seconds')}`;
    case 'decimal':
      return `${sign}${Math.round(size * 100) / 100}`;
    case 'count':
      return `${sign}${Math.round(size)}`;
  }
}

export interface Figure {
  key: string;
  label: string;
  value: string;
  /** The change against the previous period, or null when it is unknown. */
  change: string | null;
  previous: string;
  /** A figure that calls for attention (failures, a flagged reason, weeks missed). */
  warn?: boolean;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The discipline, engagement and click figures of a channel's report, each with its change. */
export function reportFigures(report: ChannelReport): Figure[] {
  const d = report.discipline;
  const p: Partial<DisciplineFigures> = d.previous ?? {};
  const e = report.engagement.totals;
  const pe: Partial<EngagementTotals> = report.engagement.previous ?? {};
  const fig = (
    key: string,
    label: string,
    current: number | null,
    previous: number | null | undefined,
    kind: FigureKind,
    warn = false,
  ): Figure => ({
    key,
    label,
    value: formatValue(current, kind),
    change: formatChange(current, previous, kind),
    previous: formatValue(previous, kind),
    warn,
  });
  const weeks: Figure = {
    key: 'weeksMet',
    label: 'Weeks that met the cadence',
    value: d.postsPerWeekTarget === null ? 'no weekly target' : `${d.weeksMet} of ${d.weeksJudged}`,
    change: d.postsPerWeekTarget === null ? null : formatChange(d.weeksMet, p.weeksMet, 'count'),
    previous: p.weeksMet === undefined || p.weeksJudged === undefined ? NONE : `${p.weeksMet} of ${p.weeksJudged}`,
    warn: d.postsPerWeekTarget !== null && d.weeksMet < d.weeksJudged,
  };
  return [
    fig('postsPublished', 'Posts published', d.postsPublished, p.postsPublished, 'count'),
    weeks,
    fig('longestGapHours', 'Longest gap', d.longestGapHours, p.longestGapHours, 'hours'),
    fig('onTimeShare', 'Published on time', d.onTimeShare, p.onTimeShare, 'share'),
    fig('latenessP50Seconds', 'Lateness p50', d.latenessP50Seconds, p.latenessP50Seconds, 'seconds'),
    fig('latenessP95Seconds', 'Lateness p95', d.latenessP95Seconds, p.latenessP95Seconds, 'seconds'),
    fig('failures', 'Failures', d.failures, p.failures, 'count', d.failures > 0),
    fig('overrides', 'Rule overrides', d.overrides, p.overrides, 'count'),
    fig('engagements', 'Engagements', e.engagements, pe.engagements, 'count'),
    fig('perPost', 'Engagements per post', e.perPost, pe.perPost, 'decimal'),
    fig('clicks', 'Clicks', report.clicks.total, report.clicks.previous, 'count'),
  ];
}

const REASON_LABEL: Record<string, string> = { purpose: 'purpose', audience: 'audience', goal: 'goal', kpis: 'KPIs' };

/** The sentence that flags a channel that does not say why it exists; null when it does. */
export function reasonFlag(report: Pick<ChannelReport, 'reason' | 'channel'>): string | null {
  const { reason } = report;
  if (reason.complete) return null;
  const missing = reason.missing.map((m) => REASON_LABEL[m] ?? m);
  const list = missing.length > 1 ? `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}` : missing[0];
  return `${report.channel.name} has no ${list}: a channel should say why it exists, for whom, and how its success is measured.`;
}

const KPI_LABEL: Record<string, string> = {
  posts: 'Posts published',
  clicks: 'Clicks',
  engagements: 'Engagements',
  engagementPerPost: 'Engagements per post',
  informativeShare: 'Share of informative posts',
};

export interface KpiRow {
  label: string;
  target: string;
  /** "14 / 20" per period, oldest first. */
  periods: { start: string; actual: string; met: boolean | null }[];
  summary: string;
}

/** A measurable KPI as a row (target vs actual per period); free-text KPIs as text only. */
export function kpiRows(kpis: ReportKpi[]): { text: string[]; measured: KpiRow[] } {
  const text: string[] = [];
  const measured: KpiRow[] = [];
  for (const k of kpis) {
    if ('text' in k) {
      text.push(k.text);
      continue;
    }
    const kind: FigureKind =
      k.metric === 'informativeShare' ? 'share' : k.metric === 'engagementPerPost' ? 'decimal' : 'count';
    measured.push({
      label: `${KPI_LABEL[k.metric] ?? k.metric} per ${k.period}`,
      target: formatValue(k.target, kind),
      periods: k.periods.map((p) => ({ start: p.start, actual: formatValue(p.actual, kind), met: p.met })),
      summary:
        `met ${k.met}, missed ${k.missed}` + (k.missedInARow > 0 ? ` (the last ${k.missedInARow} in a row)` : ''),
    });
  }
  return { text, measured };
}
