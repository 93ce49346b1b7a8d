import { loadConfig } from './app-config';
import { DEFAULT_METRICS_STEPS, parseMetricsSteps } from './metrics-steps';

const H = 3_600_000;
const D = 24 * H;

describe('METRICS_STEPS', () => {
  it('defaults to 1h, 6h, 24h, 3d, 7d and 30d after publication', () => {
    expect(DEFAULT_METRICS_STEPS).toBe('1h,6h,24h,3d,7d,30d');
    expect(loadConfig({}).metricsSteps).toEqual([H, 6 * H, 24 * H, 3 * D, 7 * D, 30 * D]);
  });

  it('reads seconds, minutes, hours and days, with spaces around entries', () => {
    expect(parseMetricsSteps('30s, 90m,2h ,1d')).toEqual({ steps: [30_000, 90 * 60_000, 2 * H, D], problems: [] });
    expect(loadConfig({ METRICS_STEPS: '5m' }).metricsSteps).toEqual([5 * 60_000]);
  });

  it.each([
    ['', 'at least one duration'],
    [' ', 'at least one duration'],
    ['1h,,6h', '"" is not a duration'],
    ['1h,6', '"6" is not a duration'],
    ['1.5h', '"1.5h" is not a duration'],
    ['-1h', '"-1h" is not a duration'],
    ['1w', '"1w" is not a duration'],
    ['1H', '"1H" is not a duration'],
    ['0m', 'more than 0'],
    ['400d', 'more than 366 days'],
    ['6h,1h', '"1h" must come after the step before it'],
    ['1h,1h', '"1h" must come after the step before it'],
    ['60m,1h', '"1h" must come after the step before it'],
  ])('refuses %j with a clear problem (%s)', (value, said) => {
    const parsed = parseMetricsSteps(value);
    expect(parsed.steps).toEqual([]);
    expect(parsed.problems.some((p) => p.startsWith('METRICS_STEPS') && p.includes(said))).toBe(true);
    expect(() => loadConfig({ METRICS_STEPS: value })).toThrow(/METRICS_STEPS/);
  });

  it('refuses more than 50 steps', () => {
    const many = Array.from({ length: 51 }, (_, i) => `${i + 1}m`).join(',');
    expect(parseMetricsSteps(many).problems).toEqual(['METRICS_STEPS: at most 50 steps']);
  });
});
