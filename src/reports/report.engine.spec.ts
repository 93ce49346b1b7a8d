import { buildChannelReport, percentile } from './report.engine';
import { resolvePeriod, ReportPeriodError } from './report-period';
import type { ReportInput, ReportPostInput, ReportSnapshot } from './report.types';

const Z = (iso: string) => new Date(iso);
const published = (id: string, sched: string, pub: string, category: string): ReportPostInput => ({
  id,
  status: 'published',
  scheduledAt: Z(sched),
  publishedAt: Z(pub),
  category,
  url: `https://social.example/${id}`,
});
const snap = (s: Partial<ReportSnapshot>): ReportSnapshot => ({
  at: Z('2026-11-05T00:00:00Z'),
  likes: null,
  reposts: null,
  replies: null,
  quotes: null,
  clicks: null,
  ...s,
});

/**
 * Europe/Rome, 19 Oct - 1 Nov 2026: the first week holds the end of summer time (Sunday
 * 25 Oct, 03:00 CEST -> 02:00 CET), so it lasts 169 hours and ends at 25 Oct 23:00Z.
 */
function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    channel: {
      id: 'c1',
      name: 'Acme',
      platform: 'mastodon',
      timezone: 'Europe/Rome',
      purpose: 'Show the workshop',
      audience: null,
      goal: 'awareness',
      kpis: [
        'more reach',
        { metric: 'posts', period: 'week', target: 3, alertAfter: 2 },
        { metric: 'engagements', period: 'month', target: 10 },
      ],
      rules: {
        cadence: { postsPerWeek: 3 },
        mix: { windowDays: 14, limits: { promotional: { max: 0.2 }, informative: { min: 0.5 } } },
      },
      campaign: 'brand',
    },
    period: { from: '2026-10-19', to: '2026-11-01' },
    posts: [
      published('p1', '2026-10-19T07:00:00Z', '2026-10-19T07:00:10Z', 'informative'),
      published('p2', '2026-10-21T07:00:00Z', '2026-10-21T07:10:00Z', 'promotional'),
      // Sunday 25 Oct 23:30 CET: still the first week (a week of 7 x 24 h would have ended at 22:00Z).
      published('p3', '2026-10-25T22:30:00Z', '2026-10-25T22:30:00Z', 'informative'),
      // Monday 26 Oct 00:30 CET: the second week.
      published('p4', '2026-10-25T23:30:00Z', '2026-10-25T23:30:30Z', 'informative'),
      published('p5', '2026-10-29T09:00:00Z', '2026-10-29T09:00:00Z', 'promotional'),
      {
        id: 'f1',
        status: 'failed',
        scheduledAt: Z('2026-10-23T07:00:00Z'),
        publishedAt: null,
        category: 'informative',
        url: null,
      },
      // Previous period (5-18 Oct).
      published('q1', '2026-10-07T07:00:00Z', '2026-10-07T07:00:00Z', 'informative'),
      published('q2', '2026-10-14T07:00:00Z', '2026-10-14T07:20:00Z', 'informative'),
    ],
    metrics: new Map([
      ['p1', snap({ likes: 10, reposts: 2, replies: 1 })],
      ['p2', snap({ likes: 4, reposts: 0, replies: 0, quotes: 0 })],
      ['p4', snap({ likes: 20, reposts: 5, replies: 3, quotes: 1 })],
      ['p5', snap({ likes: 1 })],
      ['q1', snap({ likes: 5 })],
    ]),
    clicks: [
      { postId: 'p1', code: 'a', targetUrl: 'https://acme.example/a?utm_campaign=autumn', clicks: 7 },
      { postId: 'p1', code: 'b', targetUrl: 'https://acme.example/b', clicks: 3 },
      { postId: 'p4', code: 'c', targetUrl: 'https://acme.example/c?utm_campaign=autumn', clicks: 5 },
    ],
    previousClicks: [{ postId: 'q1', code: 'd', targetUrl: 'https://acme.example/d', clicks: 4 }],
    overrides: 2,
    previousOverrides: 0,
    now: Z('2026-11-10T12:00:00Z'),
    ...over,
  };
}

describe('buildChannelReport', () => {
  const r = buildChannelReport(input());

  it('puts the period at the days of the channel zone and the previous period just before it', () => {
    expect(r.period).toEqual({
      from: '2026-10-19',
      to: '2026-11-01',
      start: '2026-10-18T22:00:00.000Z',
      end: '2026-11-01T23:00:00.000Z',
    });
    expect(r.previousPeriod).toEqual({
      from: '2026-10-05',
      to: '2026-10-18',
      start: '2026-10-04T22:00:00.000Z',
      end: '2026-10-18T22:00:00.000Z',
    });
  });

  it('counts weeks Monday to Sunday in the zone across the DST change', () => {
    expect(r.discipline.weeks).toEqual([
      { weekStart: '2026-10-19', published: 3, target: 3, met: true, partial: false },
      { weekStart: '2026-10-26', published: 2, target: 3, met: false, partial: false },
    ]);
    expect(r.discipline.weeksMet).toBe(1);
    expect(r.discipline.weeksJudged).toBe(2);
  });

  it('measures gaps, punctuality, failures and overrides', () => {
    const { weeks, previous, ...d } = r.discipline;
    expect(weeks).toHaveLength(2);
    expect(d).toEqual({
      postsPublished: 5,
      postsPerWeekTarget: 3,
      weeksMet: 1,
      weeksJudged: 2,
      longestGapHours: 111.33, // p2 (21 Oct 07:10Z) -> p3 (25 Oct 22:30Z)
      onTimeShare: 0.6667, // 4 of 5 published within 5 min, plus 1 failed
      latenessP50Seconds: 10,
      latenessP95Seconds: 600,
      failures: 1,
      overrides: 2,
    });
    expect(previous).toEqual({
      postsPublished: 2,
      postsPerWeekTarget: 3,
      weeksMet: 0,
      weeksJudged: 2,
      longestGapHours: 168.33,
      onTimeShare: 0.5,
      latenessP50Seconds: 0,
      latenessP95Seconds: 1200,
      failures: 0,
      overrides: 0,
    });
  });

  it('gives the mix per week and overall against the limits', () => {
    expect(r.mix.limits).toEqual([
      { category: 'informative', min: 0.5, max: null },
      { category: 'promotional', min: null, max: 0.2 },
    ]);
    expect(r.mix.weeks).toEqual([
      { weekStart: '2026-10-19', posts: 3, shares: { informative: 0.6667, promotional: 0.3333 } },
      { weekStart: '2026-10-26', posts: 2, shares: { informative: 0.5, promotional: 0.5 } },
    ]);
    expect(r.mix.overall).toEqual([
      { category: 'informative', posts: 3, share: 0.6, min: 0.5, max: null, withinLimits: true },
      { category: 'promotional', posts: 2, share: 0.4, min: null, max: 0.2, withinLimits: false },
    ]);
    expect(r.mix.previous).toEqual([{ category: 'informative', posts: 2, share: 1 }]);
  });

  it('sums engagement over measured posts only (a post without a snapshot is unknown, not 0)', () => {
    expect(r.engagement.totals).toEqual({
      posts: 5,
      measured: 4,
      likes: 35,
      reposts: 7,
      replies: 4,
      quotes: 1,
      engagements: 47,
      perPost: 11.75,
    });
    expect(r.engagement.previous).toEqual({
      posts: 2,
      measured: 1,
      likes: 5,
      reposts: 0,
      replies: 0,
      quotes: 0,
      engagements: 5,
      perPost: 5,
    });
    expect(r.engagement.posts.map((p) => [p.postId, p.engagements, p.clicks, p.campaign])).toEqual([
      ['p1', 13, 10, 'autumn'],
      ['p2', 4, null, 'brand'],
      ['p3', null, null, 'brand'],
      ['p4', 29, 5, 'autumn'],
      ['p5', 1, null, 'brand'],
    ]);
    expect(r.engagement.posts[2]).toMatchObject({ likes: null, reposts: null, metricsAt: null });
    expect(r.engagement.byCategory).toEqual([
      { category: 'informative', posts: 3, engagements: 42, perPost: 21 },
      { category: 'promotional', posts: 2, engagements: 5, perPost: 2.5 },
    ]);
    expect(r.engagement.byCampaign).toEqual([
      { campaign: 'autumn', posts: 2, engagements: 42, clicks: 15 },
      { campaign: 'brand', posts: 3, engagements: 5, clicks: null },
    ]);
  });

  it('gives clicks per post, link and campaign, with the previous total', () => {
    expect(r.clicks).toEqual({
      total: 15,
      previous: 4,
      byPost: [
        { postId: 'p1', clicks: 10 },
        { postId: 'p4', clicks: 5 },
      ],
      byLink: [
        { postId: 'p1', url: 'https://acme.example/a?utm_campaign=autumn', clicks: 7 },
        { postId: 'p1', url: 'https://acme.example/b', clicks: 3 },
        { postId: 'p4', url: 'https://acme.example/c?utm_campaign=autumn', clicks: 5 },
      ],
      byCampaign: [{ campaign: 'autumn', clicks: 15 }],
    });
  });

  it('judges measurable KPIs per closed week or month and keeps free text', () => {
    expect(r.kpis).toEqual([
      { text: 'more reach' },
      {
        metric: 'posts',
        period: 'week',
        target: 3,
        alertAfter: 2,
        periods: [
          { start: '2026-10-19', actual: 3, met: true, partial: false },
          { start: '2026-10-26', actual: 2, met: false, partial: false },
        ],
        met: 1,
        missed: 1,
        missedInARow: 1,
        missedSince: '2026-10-26',
      },
      {
        metric: 'engagements',
        period: 'month',
        target: 10,
        alertAfter: null,
        periods: [
          { start: '2026-10-01', actual: 47, met: null, partial: true },
          { start: '2026-11-01', actual: 0, met: null, partial: true },
        ],
        met: 0,
        missed: 0,
        missedInARow: 0,
        missedSince: null,
      },
    ]);
  });

  it('flags the missing reason fields', () => {
    expect(r.reason).toEqual({
      purpose: true,
      audience: false,
      goal: true,
      kpis: true,
      missing: ['audience'],
      complete: false,
    });
  });

  it('does not judge weeks cut by the period edges, nor a week not over yet', () => {
    const cut = buildChannelReport(input({ period: { from: '2026-10-21', to: '2026-10-27' } }));
    expect(cut.discipline.weeks).toEqual([
      { weekStart: '2026-10-19', published: 2, target: 3, met: null, partial: true },
      { weekStart: '2026-10-26', published: 1, target: 3, met: null, partial: true },
    ]);
    expect(cut.discipline.weeksJudged).toBe(0);
    const early = buildChannelReport(input({ now: Z('2026-10-30T00:00:00Z') }));
    expect(early.discipline.weeks.map((w) => w.met)).toEqual([true, null]);
    const noTarget = buildChannelReport(input({ channel: { ...input().channel, rules: {} } }));
    expect(noTarget.discipline.weeks.map((w) => w.met)).toEqual([null, null]);
    expect(noTarget.mix.overall.every((m) => m.withinLimits)).toBe(true);
  });

  it('reports nothing measured as null rather than 0', () => {
    const empty = buildChannelReport(input({ posts: [], metrics: new Map(), clicks: [], previousClicks: [] }));
    expect(empty.discipline).toMatchObject({
      postsPublished: 0,
      longestGapHours: null,
      onTimeShare: null,
      latenessP50Seconds: null,
      latenessP95Seconds: null,
    });
    expect(empty.engagement.totals.perPost).toBeNull();
    expect(empty.clicks.total).toBeNull();
    expect(empty.mix.overall).toEqual([
      { category: 'informative', posts: 0, share: 0, min: 0.5, max: null, withinLimits: false },
      { category: 'promotional', posts: 0, share: 0, min: null, max: 0.2, withinLimits: true },
    ]);
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(percentile([7], 0.95)).toBe(7);
  });
});

describe('resolvePeriod', () => {
  const now = Z('2026-11-04T10:00:00Z'); // a Wednesday
  it('defaults to the last 4 full weeks in the zone', () => {
    const p = resolvePeriod({}, 'America/New_York', now);
    expect([p.from, p.to, p.days]).toEqual(['2026-10-05', '2026-11-01', 28]);
    expect(p.start.toISOString()).toBe('2026-10-05T04:00:00.000Z');
    expect(p.end.toISOString()).toBe('2026-11-02T05:00:00.000Z'); // US summer time ended on 1 Nov
  });
  it('takes both days, to inclusive', () => {
    const p = resolvePeriod({ from: '2026-01-01', to: '2026-12-31' }, 'UTC', now);
    expect(p.days).toBe(365);
  });
  it.each([
    [{ from: '2026-11-02' }, 'to'],
    [{ to: '2026-11-02' }, 'from'],
    [{ from: '2026-13-01', to: '2026-12-02' }, 'from'],
    [{ from: '2026-11-02', to: 'tomorrow' }, 'to'],
    [{ from: '2026-11-02', to: '2026-11-01' }, 'to'],
    [{ from: '2025-01-01', to: '2026-01-02' }, 'to'],
  ])('refuses %j (field %s)', (q, field) => {
    expect(() => resolvePeriod(q, 'UTC', now)).toThrow(ReportPeriodError);
    try {
      resolvePeriod(q, 'UTC', now);
    } catch (e) {
      expect((e as ReportPeriodError).field).toBe(field);
    }
  });
});
