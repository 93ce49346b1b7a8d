import type { BarSeriesOption, HeatmapSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from 'echarts/components';
import type { ComposeOption } from 'echarts/core';
import { DateTime } from 'luxon';
import type { BestTimeCell, Category, ChannelReport } from '../api/types';
import { categoryColor } from '../calendar/events';
import { NONE, formatValue } from './figures';

/** The options the Reports view's charts use: only the series and components it registers. */
export type ReportChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | HeatmapSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TooltipComponentOption
>;

/**
 * One chart of the report, with its text alternative: a sentence (the caption) and the same
 * numbers as a table. Pure: turned into a canvas by charts.ts.
 */
export interface ChartModel {
  id: 'cadence' | 'mix' | 'engagement' | 'clicks' | 'best-times';
  title: string;
  summary: string;
  table: { head: string[]; rows: string[][] };
  option: ReportChartOption;
  /** Whether there is anything to draw (otherwise the view says so instead of an empty chart). */
  empty: boolean;
  /** Facts the chart shows, as data attributes of its figure (e.g. the heat map's best cell). */
  attributes?: Record<string, string>;
}

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
const INK = '#1f2937';
const MUTED = '#5b6472';
const ACCENT = '#1d4ed8';
const DANGER = '#b91c1c';

/** "2 Nov" for a week starting on an ISO date. */
export const weekLabel = (weekStart: string) => DateTime.fromISO(weekStart).toFormat('d LLL');

const base = (): ReportChartOption => ({
  animation: false,
  textStyle: { color: INK },
  grid: { left: 48, right: 16, top: 40, bottom: 32, containLabel: true },
  tooltip: { trigger: 'axis' },
});

/** Posts published per week as bars, the cadence target as a line. */
export function cadenceChart(report: ChannelReport): ChartModel {
  const weeks = report.discipline.weeks;
  const hasTarget = weeks.some((w) => w.target !== null);
  const option: ReportChartOption = {
    ...base(),
    legend: { top: 0, textStyle: { color: INK } },
    xAxis: { type: 'category', data: weeks.map((w) => weekLabel(w.weekStart)) },
    yAxis: { type: 'value', minInterval: 1, name: 'posts' },
    series: [
      {
        type: 'bar',
        name: 'Published',
        data: weeks.map((w) => ({
          value: w.published,
          itemStyle: { color: w.met === false ? DANGER : ACCENT },
        })),
      },
      ...(hasTarget
        ? [
            {
              type: 'line' as const,
              name: 'Target',
              step: 'middle' as const,
              symbol: 'none',
              lineStyle: { type: 'dashed' as const, color: INK, width: 2 },
              itemStyle: { color: INK },
              data: weeks.map((w) => w.target),
            },
          ]
        : []),
    ],
  };
  const met = weeks.filter((w) => w.met === true).length;
  const judged = weeks.filter((w) => w.met !== null).length;
  const target = report.discipline.postsPerWeekTarget;
  return {
    id: 'cadence',
    title: 'Posts per week against the cadence',
    summary:
      weeks.length === 0
        ? 'No week in this period.'
        : `${report.discipline.postsPublished} posts over ${weeks.length} weeks` +
          (target === null
            ? '; the channel sets no weekly cadence.'
            : `; the target is ${target} a week, met in ${met} of ${judged} weeks.`),
    table: {
      head: ['Week of', 'Published', 'Target', 'Met'],
      rows: weeks.map((w) => [
        w.weekStart,
        String(w.published),
        w.target === null ? NONE : String(w.target),
        w.met === null ? NONE : w.met ? 'yes' : 'no',
      ]),
    },
    option,
    empty: weeks.length === 0,
  };
}

/** The categories of a mix, in a stable order: the limits first, then by overall share. */
function mixCategories(report: ChannelReport): string[] {
  const keys = new Set<string>();
  for (const l of report.mix.limits) keys.add(l.category);
  for (const o of [...report.mix.overall].sort((a, b) => b.share - a.share)) keys.add(o.category);
  for (const w of report.mix.weeks) for (const k of Object.keys(w.shares)) keys.add(k);
  return [...keys];
}

/** Shares per week stacked to 100%, with each category's min/max limit as a dashed line. */
export function mixChart(report: ChannelReport, categories: Category[]): ChartModel {
  const nameOf = (key: string) => categories.find((c) => c.key === key)?.name ?? key;
  const weeks = report.mix.weeks;
  const keys = mixCategories(report);
  const pct = (share: number | undefined) => Math.round((share ?? 0) * 1000) / 10;
  const bars: BarSeriesOption[] = keys.map((key) => ({
    type: 'bar',
    name: nameOf(key),
    stack: 'mix',
    itemStyle: { color: categoryColor(key, categories) },
    data: weeks.map((w) => pct(w.shares[key])),
  }));
  const limitLines: LineSeriesOption[] = [];
  for (const l of report.mix.limits) {
    for (const bound of ['min', 'max'] as const) {
      const value = l[bound];
      if (value === null || value === undefined) continue;
      limitLines.push({
        type: 'line',
        name: `${nameOf(l.category)} ${bound} ${Math.round(value * 100)}%`,
        symbol: 'none',
        lineStyle: {
          type: bound === 'max' ? 'dashed' : 'dotted',
          width: 2,
          color: categoryColor(l.category, categories),
        },
        itemStyle: { color: categoryColor(l.category, categories) },
        data: weeks.map(() => pct(value)),
      });
    }
  }
  const outside = report.mix.overall.filter((o) => !o.withinLimits);
  return {
    id: 'mix',
    title: 'Content mix over time against its limits',
    summary:
      weeks.length === 0
        ? 'No posts in this period.'
        : `Over the period: ${report.mix.overall.map((o) => `${nameOf(o.category)} ${formatValue(o.share, 'share')}`).join(', ') || 'no posts'}. ` +
          (report.mix.limits.length === 0
            ? 'The channel sets no mix limits.'
            : outside.length === 0
              ? 'Every category is within its limits.'
              : `Outside its limits: ${outside.map((o) => nameOf(o.category)).join(', ')}.`),
    table: {
      head: ['Week of', ...keys.map(nameOf)],
      rows: weeks.map((w) => [w.weekStart, ...keys.map((k) => formatValue(w.shares[k] ?? 0, 'share'))]),
    },
    option: {
      ...base(),
      legend: { top: 0, type: 'scroll', textStyle: { color: INK } },
      grid: { left: 48, right: 16, top: 56, bottom: 32, containLabel: true },
      xAxis: { type: 'category', data: weeks.map((w) => weekLabel(w.weekStart)) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [...bars, ...limitLines],
    },
    empty: weeks.length === 0,
  };
}

/** Engagements per category (bars) and per post (the label). */
export function engagementChart(report: ChannelReport, categories: Category[]): ChartModel {
  const nameOf = (key: string) => categories.find((c) => c.key === key)?.name ?? key;
  const rows = report.engagement.byCategory;
  return {
    id: 'engagement',
    title: 'Engagement per category',
    summary:
      rows.length === 0
        ? 'No published posts in this period.'
        : rows
            .map(
              (r) =>
                `${nameOf(r.category)}: ${formatValue(r.engagements, 'count')} engagements over ${r.posts} posts (${formatValue(r.perPost, 'decimal')} per post)`,
            )
            .join('; ') + '.',
    table: {
      head: ['Category', 'Posts', 'Engagements', 'Per post'],
      rows: rows.map((r) => [
        nameOf(r.category),
        String(r.posts),
        formatValue(r.engagements, 'count'),
        formatValue(r.perPost, 'decimal'),
      ]),
    },
    option: {
      ...base(),
      xAxis: { type: 'category', data: rows.map((r) => nameOf(r.category)) },
      yAxis: { type: 'value', name: 'engagements', minInterval: 1 },
      series: [
        {
          type: 'bar',
          name: 'Engagements',
          label: { show: true, position: 'top', color: MUTED, formatter: '{c}' },
          data: rows.map((r) => ({
            value: r.engagements ?? 0,
            itemStyle: { color: categoryColor(r.category, categories) },
          })),
        },
      ],
    },
    empty: rows.length === 0,
  };
}

/** Clicks per campaign (posts without a campaign under "no campaign"). */
export function clicksChart(report: ChannelReport): ChartModel {
  const rows = [...report.clicks.byCampaign].sort((a, b) => b.clicks - a.clicks);
  const label = (c: string | null) => c ?? 'no campaign';
  return {
    id: 'clicks',
    title: 'Clicks per campaign',
    summary:
      report.clicks.total === null
        ? 'The channel does not track its links: no clicks are counted.'
        : rows.length === 0
          ? 'No clicks in this period.'
          : `${report.clicks.total} clicks: ${rows.map((r) => `${label(r.campaign)} ${r.clicks}`).join(', ')}.`,
    table: { head: ['Campaign', 'Clicks'], rows: rows.map((r) => [label(r.campaign), String(r.clicks)]) },
    option: {
      ...base(),
      grid: { left: 16, right: 32, top: 16, bottom: 24, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.map((r) => label(r.campaign)) },
      series: [
        {
          type: 'bar',
          name: 'Clicks',
          itemStyle: { color: '#0891b2' },
          label: { show: true, position: 'right', color: MUTED },
          data: rows.map((r) => r.clicks),
        },
      ],
    },
    empty: rows.length === 0,
  };
}

/** The best cell: highest median engagement, then more posts, then the earlier time. */
export function bestCell(cells: BestTimeCell[]): BestTimeCell | null {
  let best: BestTimeCell | null = null;
  for (const c of cells) {
    if (c.medianEngagement === null) continue;
    if (
      !best ||
      c.medianEngagement > best.medianEngagement! ||
      (c.medianEngagement === best.medianEngagement && c.posts > best.posts)
    )
      best = c;
  }
  return best;
}

/** "Tue 09:00" for a cell. */
export const cellLabel = (c: Pick<BestTimeCell, 'weekday' | 'hour'>) =>
  `${WEEKDAYS[c.weekday - 1]} ${String(c.hour).padStart(2, '0')}:00`;

/** A colour from pale to the accent blue for a strength 0..1 (the heat map's scale). */
export function heatColor(strength: number): string {
  const t = Math.min(1, Math.max(0, strength));
  const from = [0xef, 0xf6, 0xff];
  const to = [0x1d, 0x4e, 0xd8];
  return `#${from
    .map((f, i) =>
      Math.round(f + (to[i]! - f) * t)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** The weekday x hour table of median engagement, in the channel's zone, as a heat map. */
export function bestTimesChart(report: ChannelReport): ChartModel {
  const cells = (report.bestTimes?.cells ?? []).filter((c) => c.weekday >= 1 && c.weekday <= 7);
  const best = bestCell(cells);
  const max = Math.max(1, ...cells.map((c) => c.medianEngagement ?? 0));
  const zone = report.channel.timezone;
  return {
    id: 'best-times',
    title: `Best times (median engagement, ${zone})`,
    summary:
      cells.length === 0
        ? 'No published post with numbers yet: the best times come from the channel’s own history.'
        : `From the channel’s whole history, hours in ${zone}: the best time is ${cellLabel(best!)} ` +
          `(median ${formatValue(best!.medianEngagement, 'decimal')} engagements over ${best!.posts} post${best!.posts === 1 ? '' : 's'}).`,
    table: {
      head: ['Weekday', 'Hour', 'Posts', 'Median engagement'],
      rows: [...cells]
        .sort((a, b) => a.weekday - b.weekday || a.hour - b.hour)
        .map((c) => [
          WEEKDAYS[c.weekday - 1]!,
          `${String(c.hour).padStart(2, '0')}:00`,
          String(c.posts),
          formatValue(c.medianEngagement, 'decimal'),
        ]),
    },
    option: {
      ...base(),
      tooltip: { trigger: 'item' },
      grid: { left: 48, right: 16, top: 16, bottom: 32, containLabel: true },
      xAxis: { type: 'category', data: HOURS, splitArea: { show: true } },
      yAxis: { type: 'category', data: WEEKDAYS, inverse: true, splitArea: { show: true } },
      series: [
        {
          type: 'heatmap',
          name: 'Median engagement',
          label: { show: true, formatter: (p) => String((p.value as number[])[2] ?? ''), fontSize: 10 },
          // [hour, weekday index, median, posts], each cell coloured by its share of the best median
          // (its own colour rather than ECharts' visualMap, which would add 29 KB to the page).
          data: cells.map((c) => {
            const strength = (c.medianEngagement ?? 0) / max;
            return {
              value: [c.hour, c.weekday - 1, c.medianEngagement ?? 0, c.posts],
              itemStyle: {
                color: heatColor(strength),
                borderColor: c === best ? DANGER : '#ffffff',
                borderWidth: c === best ? 2 : 1,
              },
              label: { color: strength > 0.55 ? '#ffffff' : INK },
            };
          }),
        },
      ],
    },
    empty: cells.length === 0,
    attributes: best ? { 'data-best-cell': `${best.weekday}-${best.hour}` } : {},
  };
}

/** Every chart of a channel's report, in the order the view shows them. */
export function channelCharts(report: ChannelReport, categories: Category[]): ChartModel[] {
  return [
    cadenceChart(report),
    mixChart(report, categories),
    engagementChart(report, categories),
    clicksChart(report),
    bestTimesChart(report),
  ];
}

/** How many data points each series of an option has (exposed on the chart for checks). */
export function seriesLengths(option: ReportChartOption): number[] {
  const series = option.series;
  const list = Array.isArray(series) ? series : series ? [series] : [];
  return list.map((s) => (Array.isArray((s as { data?: unknown }).data) ? (s as { data: unknown[] }).data.length : 0));
}
