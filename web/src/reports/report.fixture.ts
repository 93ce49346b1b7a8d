import type { ChannelReport } from '../api/types';

/** A channel's report as docs/api.md shows it (issue 15's JSON), for the page's unit tests. */
export function sampleReport(over: Partial<ChannelReport> = {}): ChannelReport {
  return {
    channel: { id: 'c1', name: 'Bottega', platform: 'mastodon', timezone: 'Europe/Rome' },
    period: {
      from: '2026-11-02',
      to: '2026-11-29',
      start: '2026-11-01T23:00:00.000Z',
      end: '2026-11-29T23:00:00.000Z',
    },
    previousPeriod: { from: '2026-10-05', to: '2026-11-01' },
    reason: { purpose: true, audience: true, goal: false, kpis: true, missing: ['goal'], complete: false },
    discipline: {
      postsPublished: 14,
      postsPerWeekTarget: 3,
      weeks: [
        { weekStart: '2026-11-02', published: 4, target: 3, met: true },
        { weekStart: '2026-11-09', published: 2, target: 3, met: false },
        { weekStart: '2026-11-16', published: 5, target: 3, met: true },
        { weekStart: '2026-11-23', published: 3, target: 3, met: true },
      ],
      weeksMet: 3,
      weeksJudged: 4,
      longestGapHours: 70.5,
      onTimeShare: 0.93,
      latenessP50Seconds: 12,
      latenessP95Seconds: 300,
      failures: 1,
      overrides: 2,
      previous: {
        postsPublished: 10,
        postsPerWeekTarget: 3,
        weeksMet: 2,
        weeksJudged: 4,
        longestGapHours: 96,
        onTimeShare: 0.8,
        latenessP50Seconds: 20,
        latenessP95Seconds: 600,
        failures: 0,
        overrides: 2,
      },
    },
    mix: {
      limits: [
        { category: 'promotional', min: null, max: 0.2 },
        { category: 'informative', min: 0.5, max: null },
      ],
      weeks: [
        { weekStart: '2026-11-02', shares: { informative: 0.5, promotional: 0.25, engagement: 0.25 } },
        { weekStart: '2026-11-09', shares: { informative: 1 } },
        { weekStart: '2026-11-16', shares: { informative: 0.6, promotional: 0.4 } },
        { weekStart: '2026-11-23', shares: { informative: 0.6667, engagement: 0.3333 } },
      ],
      overall: [
        { category: 'informative', posts: 9, share: 0.6429, min: 0.5, max: null, withinLimits: true },
        { category: 'promotional', posts: 3, share: 0.2143, min: null, max: 0.2, withinLimits: false },
        { category: 'engagement', posts: 2, share: 0.1429, min: null, max: null, withinLimits: true },
      ],
      previous: [{ category: 'informative', posts: 10, share: 1 }],
    },
    engagement: {
      totals: { posts: 14, likes: 120, reposts: 30, replies: 12, quotes: 2, engagements: 164, perPost: 11.71 },
      previous: { posts: 10, likes: 80, reposts: 20, replies: 10, quotes: 0, engagements: 110, perPost: 11 },
      posts: [],
      byCategory: [
        { category: 'informative', posts: 9, engagements: 100, perPost: 11.11 },
        { category: 'promotional', posts: 3, engagements: 40, perPost: 13.33 },
        { category: 'engagement', posts: 2, engagements: 24, perPost: 12 },
      ],
      byCampaign: [{ campaign: 'winter', posts: 6, engagements: 80, clicks: 30 }],
    },
    clicks: {
      total: 40,
      previous: 31,
      byPost: [],
      byLink: [],
      byCampaign: [
        { campaign: null, clicks: 10 },
        { campaign: 'winter', clicks: 30 },
      ],
    },
    bestTimes: {
      cells: [
        { weekday: 1, hour: 9, posts: 6, medianEngagement: 14 },
        { weekday: 3, hour: 18, posts: 2, medianEngagement: 21 },
        { weekday: 5, hour: 12, posts: 4, medianEngagement: 21 },
        { weekday: 7, hour: 10, posts: 1, medianEngagement: null },
      ],
    },
    kpis: [
      { text: 'Readers who trust our advice' },
      {
        metric: 'clicks',
        period: 'week',
        target: 20,
        periods: [
          { start: '2026-11-02', actual: 14, met: false },
          { start: '2026-11-09', actual: 22, met: true },
        ],
        met: 1,
        missed: 1,
        missedInARow: 0,
      },
    ],
    ...over,
  };
}
