import { DAY_MS } from '../rules';
import { planInsights, planWindow } from './plan-insights';

const from = new Date('2027-03-01T00:00:00Z');
const to = new Date('2027-03-15T00:00:00Z');

describe('planWindow', () => {
  it('reaches a week and a day beyond either edge without a mix rule', () => {
    for (const rules of [null, undefined, {}, { cadence: { postsPerWeek: 3 } }]) {
      expect(planWindow(rules, from, to)).toEqual({
        from: new Date(from.getTime() - 8 * DAY_MS),
        to: new Date(to.getTime() + 8 * DAY_MS),
      });
    }
  });

  it('adds the mix window on either side', () => {
    const rules = { mix: { windowDays: 14, limits: {} } };
    expect(planWindow(rules, from, to)).toEqual({
      from: new Date(from.getTime() - 22 * DAY_MS),
      to: new Date(to.getTime() + 22 * DAY_MS),
    });
  });
});

describe('planInsights', () => {
  const timeline = [
    { id: 'a', at: new Date('2027-03-02T10:00:00Z'), category: 'news' },
    { id: 'b', at: new Date('2027-03-02T10:20:00Z'), category: 'news' },
  ];
  const rules = { cadence: { minSpacingMinutes: 60, maxGapHours: 48 } };
  const range = { from, to, now: new Date('2027-02-20T00:00:00Z') };

  it('judges gaps, violations and mix over the range', () => {
    const all = planInsights(timeline, rules, 'UTC', range);
    expect(all.violations.map((v) => [v.rule, v.postIds])).toEqual([['minSpacing', ['a', 'b']]]);
    expect(all.gaps.length).toBeGreaterThan(0);
    expect(all.mix).toEqual({ news: 1 });
  });

  it('leaves out what is skipped, and judges the violations the same', () => {
    const all = planInsights(timeline, rules, 'UTC', range);
    const some = planInsights(timeline, rules, 'UTC', range, { gaps: true, mix: true });
    expect(some).toEqual({ gaps: [], violations: all.violations, mix: {} });
  });
});
