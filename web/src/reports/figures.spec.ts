import { formatChange, formatValue, kpiRows, reasonFlag, reportFigures } from './figures';
import { sampleReport } from './report.fixture';

describe('formatValue and formatChange', () => {
  it('shows shares, durations and absent numbers as a person reads them', () => {
    expect(formatValue(0.934, 'share')).toBe('93%');
    expect(formatValue(70.5, 'hours')).toBe('2 d 23 h');
    expect(formatValue(30.25, 'hours')).toBe('30.3 h');
    expect(formatValue(12, 'seconds')).toBe('12 s');
    expect(formatValue(300, 'seconds')).toBe('5 min');
    expect(formatValue(7200, 'seconds')).toBe('2 h');
    expect(formatValue(null, 'count')).toBe('—');
  });

  it('signs the change, and has none when a side is unknown', () => {
    expect(formatChange(14, 10, 'count')).toBe('+4');
    expect(formatChange(0.8, 0.93, 'share')).toBe('−13 pp');
    expect(formatChange(3, 3, 'count')).toBe('±0');
    expect(formatChange(70.5, 96, 'hours')).toBe('−25.5 h');
    expect(formatChange(5, null, 'count')).toBeNull();
  });
});

describe('reportFigures', () => {
  it('gives every discipline, engagement and click figure with its change against the previous period', () => {
    const byKey = Object.fromEntries(reportFigures(sampleReport()).map((f) => [f.key, f]));
    expect(Object.keys(byKey)).toEqual([
      'postsPublished',
      'weeksMet',
      'longestGapHours',
      'onTimeShare',
      'latenessP50Seconds',
      'latenessP95Seconds',
      'failures',
      'overrides',
      'engagements',
      'perPost',
      'clicks',
    ]);
    expect(byKey.postsPublished).toMatchObject({ value: '14', change: '+4', previous: '10' });
    expect(byKey.weeksMet).toMatchObject({ value: '3 of 4', change: '+1', previous: '2 of 4', warn: true });
    expect(byKey.onTimeShare).toMatchObject({ value: '93%', change: '+13 pp' });
    expect(byKey.latenessP95Seconds).toMatchObject({ value: '5 min', change: '−5 min' });
    expect(byKey.failures).toMatchObject({ value: '1', change: '+1', warn: true });
    expect(byKey.clicks).toMatchObject({ value: '40', change: '+9', previous: '31' });
    expect(byKey.perPost).toMatchObject({ value: '11.71', change: '+0.71' });
  });

  it('has no changes without a previous period', () => {
    const report = sampleReport();
    report.discipline.previous = null;
    report.engagement.previous = null;
    const figures = reportFigures(report).filter((f) => f.key !== 'clicks');
    expect(figures.every((f) => f.change === null)).toBe(true);
  });
});

describe('reasonFlag', () => {
  it('flags a channel that does not say its goal, audience or KPIs', () => {
    expect(reasonFlag(sampleReport())).toBe(
      'Bottega has no goal: a channel should say why it exists, for whom, and how its success is measured.',
    );
    const report = sampleReport({
      reason: {
        purpose: false,
        audience: true,
        goal: false,
        kpis: false,
        missing: ['purpose', 'goal', 'kpis'],
        complete: false,
      },
    });
    expect(reasonFlag(report)).toMatch(/^Bottega has no purpose, goal and KPIs:/);
    expect(
      reasonFlag(
        sampleReport({
          reason: { purpose: true, audience: true, goal: true, kpis: true, missing: [], complete: true },
        }),
      ),
    ).toBeNull();
  });
});

describe('kpiRows', () => {
  it('shows measurable KPIs as target against actual per period, free text as text', () => {
    expect(kpiRows(sampleReport().kpis)).toEqual({
      text: ['Readers who trust our advice'],
      measured: [
        {
          label: 'Clicks per week',
          target: '20',
          periods: [
            { start: '2026-11-02', actual: '14', met: false },
            { start: '2026-11-09', actual: '22', met: true },
          ],
          summary: 'met 1, missed 1',
        },
      ],
    });
  });
});
