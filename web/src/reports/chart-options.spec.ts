import type { Category } from '../api/types';
import {
  bestCell,
  bestTimesChart,
  cadenceChart,
  channelCharts,
  clicksChart,
  engagementChart,
  heatColor,
  mixChart,
  seriesLengths,
} from './chart-options';
import { sampleReport } from './report.fixture';

const categories: Category[] = [
  { key: 'informative', name: 'Informative', color: null },
  { key: 'promotional', name: 'Promotional', color: '#aa0000' },
];
type Series = { type: string; name: string; data: unknown[]; stack?: string };
const series = (option: { series?: unknown }) => option.series as Series[];

describe('cadenceChart', () => {
  it('draws one bar per week and the target as a line, with the weeks as a table', () => {
    const chart = cadenceChart(sampleReport());
    const [bars, target] = series(chart.option);
    expect(bars).toMatchObject({ type: 'bar', name: 'Published' });
    expect(bars!.data.map((d) => (d as { value: number }).value)).toEqual([4, 2, 5, 3]);
    expect(target).toMatchObject({ type: 'line', name: 'Target', data: [3, 3, 3, 3] });
    expect((chart.option.xAxis as { data: string[] }).data).toEqual(['2 Nov', '9 Nov', '16 Nov', '23 Nov']);
    expect(chart.summary).toBe('14 posts over 4 weeks; the target is 3 a week, met in 3 of 4 weeks.');
    expect(chart.table.rows[1]).toEqual(['2026-11-09', '2', '3', 'no']);
    // A missed week is drawn in the warning colour.
    expect((bars!.data[1] as { itemStyle: { color: string } }).itemStyle.color).not.toBe(
      (bars!.data[0] as { itemStyle: { color: string } }).itemStyle.color,
    );
  });

  it('draws no target line for a channel without a weekly cadence', () => {
    const report = sampleReport();
    report.discipline.postsPerWeekTarget = null;
    report.discipline.weeks = report.discipline.weeks.map((w) => ({ ...w, target: null, met: null }));
    const chart = cadenceChart(report);
    expect(series(chart.option).map((s) => s.name)).toEqual(['Published']);
    expect(chart.summary).toBe('14 posts over 4 weeks; the channel sets no weekly cadence.');
  });
});

describe('mixChart', () => {
  it('stacks the shares per week in percent and draws each limit as a line', () => {
    const chart = mixChart(sampleReport(), categories);
    const all = series(chart.option);
    const bars = all.filter((s) => s.type === 'bar');
    expect(bars.map((s) => s.name)).toEqual(['Promotional', 'Informative', 'engagement']);
    expect(bars.every((s) => s.stack === 'mix')).toBe(true);
    expect(bars[0]!.data).toEqual([25, 0, 40, 0]);
    expect(bars[1]!.data).toEqual([50, 100, 60, 66.7]);
    const lines = all.filter((s) => s.type === 'line');
    expect(lines.map((s) => [s.name, s.data])).toEqual([
      ['Promotional max 20%', [20, 20, 20, 20]],
      ['Informative min 50%', [50, 50, 50, 50]],
    ]);
    expect(chart.summary).toBe(
      'Over the period: Informative 64%, Promotional 21%, engagement 14%. Outside its limits: Promotional.',
    );
    expect(chart.table.head).toEqual(['Week of', 'Promotional', 'Informative', 'engagement']);
    expect(chart.table.rows[3]).toEqual(['2026-11-23', '0%', '67%', '33%']);
  });
});

describe('engagementChart and clicksChart', () => {
  it('draws engagements per category', () => {
    const chart = engagementChart(sampleReport(), categories);
    expect((chart.option.xAxis as { data: string[] }).data).toEqual(['Informative', 'Promotional', 'engagement']);
    expect(series(chart.option)[0]!.data.map((d) => (d as { value: number }).value)).toEqual([100, 40, 24]);
    expect(chart.table.rows[1]).toEqual(['Promotional', '3', '40', '13.33']);
  });

  it('draws clicks per campaign, most clicked first, and says when links are not tracked', () => {
    const chart = clicksChart(sampleReport());
    expect((chart.option.yAxis as { data: string[] }).data).toEqual(['winter', 'no campaign']);
    expect(series(chart.option)[0]!.data).toEqual([30, 10]);
    expect(chart.summary).toBe('40 clicks: winter 30, no campaign 10.');
    const untracked = sampleReport();
    untracked.clicks = { total: null, previous: null, byPost: [], byLink: [], byCampaign: [] };
    expect(clicksChart(untracked)).toMatchObject({
      empty: true,
      summary: 'The channel does not track its links: no clicks are counted.',
    });
  });
});

describe('bestTimesChart', () => {
  it('puts each cell at its hour and weekday (Monday first) and names the best one', () => {
    const chart = bestTimesChart(sampleReport());
    const data = series(chart.option)[0]!.data as { value: number[] }[];
    expect(data.map((d) => d.value)).toEqual([
      [9, 0, 14, 6],
      [18, 2, 21, 2],
      [12, 4, 21, 4],
      [10, 6, 0, 1],
    ]);
    expect((chart.option.yAxis as { data: string[] }).data[0]).toBe('Mon');
    expect((chart.option.xAxis as { data: string[] }).data).toHaveLength(24);
    // Two cells share the best median: the one with more posts wins.
    expect(chart.summary).toBe(
      'From the channel’s whole history, hours in Europe/Rome: the best time is Fri 12:00 (median 21 engagements over 4 posts).',
    );
    expect(chart.title).toBe('Best times (median engagement, Europe/Rome)');
    expect(chart.table.rows[0]).toEqual(['Mon', '09:00', '6', '14']);
    expect(chart.attributes).toEqual({ 'data-best-cell': '5-12' });
  });

  it('finds the best cell, ignoring cells without a median', () => {
    expect(bestCell([])).toBeNull();
    expect(bestCell([{ weekday: 2, hour: 8, posts: 3, medianEngagement: null }])).toBeNull();
    expect(
      bestCell([
        { weekday: 2, hour: 8, posts: 3, medianEngagement: 5 },
        { weekday: 4, hour: 20, posts: 1, medianEngagement: 9 },
      ]),
    ).toEqual({ weekday: 4, hour: 20, posts: 1, medianEngagement: 9 });
  });

  it('colours from pale to the accent', () => {
    expect(heatColor(0)).toBe('#eff6ff');
    expect(heatColor(1)).toBe('#1d4ed8');
    expect(heatColor(7)).toBe('#1d4ed8');
  });

  it('is empty without history', () => {
    expect(bestTimesChart(sampleReport({ bestTimes: { cells: [] } })).empty).toBe(true);
  });
});

describe('channelCharts', () => {
  it('gives the five charts, each series as long as its data', () => {
    const charts = channelCharts(sampleReport(), categories);
    expect(charts.map((c) => c.id)).toEqual(['cadence', 'mix', 'engagement', 'clicks', 'best-times']);
    expect(charts.map((c) => seriesLengths(c.option))).toEqual([[4, 4], [4, 4, 4, 4, 4], [3], [2], [4]]);
  });
});
