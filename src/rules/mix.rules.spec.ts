import { evaluate } from './evaluate';
import { mixShares } from './mix.rules';
import { ChannelRules, TimelineEntry } from './rule.types';

const ZONE = 'Europe/Rome';
const NOW = new Date('2027-01-01T00:00:00Z');
const day = (d: number, category: string, id = `${category}-${d}`): TimelineEntry => ({
  id,
  at: new Date(`2027-01-${String(d).padStart(2, '0')}T10:00:00+01:00`),
  category,
});

describe('content mix', () => {
  const rules: ChannelRules = {
    mix: { windowDays: 14, limits: { promotional: { max: 0.2 }, informative: { min: 0.5 } } },
  };

  it('reports the worst window of a run with share, limit, its posts and an actionable message', () => {
    const timeline = [
      ...[1, 2, 3, 4, 5].map((d) => day(d, 'informative')),
      ...[10, 11, 12].map((d) => day(d, 'promotional')),
    ];
    const vs = evaluate(timeline, rules, ZONE, { now: NOW });
    expect(vs).toEqual([
      {
        rule: 'mixMax',
        severity: 'warn',
        message:
          'Promotional posts are 3 of 8 (38%) in the 14 days to Tue 12 Jan; keep them at most 20%: change a category or add informative posts.',
        postIds: timeline.map((p) => p.id),
        from: '2026-12-29T09:00:00.000Z',
        to: '2027-01-12T09:00:00.000Z',
        measured: 0.375,
        limit: 0.2,
      },
    ]);
  });

  it('checks minimum shares and skips windows with fewer than minPosts posts', () => {
    const timeline = [day(1, 'promotional'), day(2, 'engagement'), day(3, 'informative'), day(4, 'engagement')];
    const strict: ChannelRules = { mix: { windowDays: 14, minPosts: 4, limits: { informative: { min: 0.5 } } } };
    expect(evaluate(timeline, strict, ZONE, { now: NOW })).toEqual([
      expect.objectContaining({
        rule: 'mixMin',
        measured: 0.25,
        limit: 0.5,
        message:
          'Informative posts are 1 of 4 (25%) in the 14 days to Mon 4 Jan; keep them at least 50%: add informative posts or change a category.',
      }),
    ]);
    expect(evaluate(timeline.slice(0, 3), strict, ZONE, { now: NOW })).toEqual([]);
  });

  it('reports one violation per separate run of violating windows', () => {
    const timeline = [
      day(1, 'promotional'),
      day(2, 'informative'),
      day(3, 'informative'),
      day(4, 'informative'),
      day(5, 'informative'),
      day(20, 'promotional'),
    ];
    const vs = evaluate(timeline, { mix: { windowDays: 3, limits: { promotional: { max: 0.4 } } } }, ZONE, {
      now: NOW,
    });
    expect(vs.map((v) => [v.postIds, v.measured])).toEqual([
      [['promotional-1'], 1],
      [['promotional-20'], 1],
    ]);
  });

  it('uses windows (t - W, t] of W x 24 hours', () => {
    const min: ChannelRules = { mix: { windowDays: 3, limits: { informative: { min: 0.5 } } } };
    // The post of 1 Jan 10:00 is out of the window ending 4 Jan 10:00.
    expect(
      evaluate([day(1, 'informative'), day(4, 'promotional')], min, ZONE, { now: NOW }).map((v) => v.postIds),
    ).toEqual([['promotional-4']]);
    // Across the Rome spring-forward, 10:00 to 10:00 is 23 hours: inside a one-day window.
    const dst = [
      { id: 'sat', at: new Date('2027-03-27T10:00:00+01:00'), category: 'informative' },
      { id: 'sun', at: new Date('2027-03-28T10:00:00+02:00'), category: 'promotional' },
    ];
    expect(
      evaluate(dst, { mix: { windowDays: 1, limits: { informative: { min: 0.5 } } } }, ZONE, { now: NOW }),
    ).toEqual([]);
  });

  it('names another category in the advice only when the rules give one a minimum', () => {
    const vs = evaluate(
      [day(1, 'promotional')],
      { mix: { windowDays: 7, limits: { promotional: { max: 0.5 } } } },
      ZONE,
      {
        now: NOW,
      },
    );
    expect(vs[0].message).toBe(
      'Promotional posts are 1 of 1 (100%) in the 7 days to Fri 1 Jan; keep them at most 50%: change a category or add posts of other categories.',
    );
  });
});

describe('mixShares', () => {
  it('gives the share of each category among posts in [from, to)', () => {
    const timeline = [
      day(1, 'promotional'),
      day(2, 'informative'),
      day(3, 'informative'),
      day(4, 'engagement'),
      day(5, 'promotional'),
    ];
    expect(mixShares(timeline, new Date('2027-01-01T00:00:00Z'), new Date('2027-01-04T09:00:00Z'))).toEqual({
      informative: 2 / 3,
      promotional: 1 / 3,
    });
    expect(mixShares(timeline, new Date('2027-02-01T00:00:00Z'), new Date('2027-03-01T00:00:00Z'))).toEqual({});
  });
});
