import { bestCandidate, bestTimesTable, median } from './best-times';

describe('bestTimesTable', () => {
  it('takes the median per weekday and hour of the zone, leaving out unmeasured posts', () => {
    const cells = bestTimesTable(
      [
        { publishedAt: new Date('2026-11-02T08:15:00Z'), engagements: 10 }, // Mon 09 Rome
        { publishedAt: new Date('2026-11-09T08:50:00Z'), engagements: 20 }, // Mon 09
        { publishedAt: new Date('2026-11-16T08:05:00Z'), engagements: 3 }, // Mon 09
        { publishedAt: new Date('2026-11-16T08:06:00Z'), engagements: null }, // unknown: left out
        { publishedAt: new Date('2026-10-25T00:30:00Z'), engagements: 4 }, // Sun 02 CEST (first pass)
        { publishedAt: new Date('2026-10-25T01:30:00Z'), engagements: 6 }, // Sun 02 CET (second pass)
        { publishedAt: new Date('2026-11-08T22:30:00Z'), engagements: 7 }, // Sun 23
      ],
      'Europe/Rome',
    );
    expect(cells).toEqual([
      { weekday: 1, hour: 9, posts: 3, medianEngagement: 10 },
      { weekday: 7, hour: 2, posts: 2, medianEngagement: 5 },
      { weekday: 7, hour: 23, posts: 1, medianEngagement: 7 },
    ]);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('bestCandidate', () => {
  const cells = [
    { weekday: 1, hour: 9, posts: 3, medianEngagement: 10 },
    { weekday: 2, hour: 18, posts: 2, medianEngagement: 30 },
    { weekday: 3, hour: 18, posts: 2, medianEngagement: 30 },
  ];
  it('picks the best cell, the earliest of ties, and null without history', () => {
    const mon9 = new Date('2026-11-02T08:00:00Z');
    const tue18 = new Date('2026-11-03T17:00:00Z');
    const wed18 = new Date('2026-11-04T17:00:00Z');
    const thu9 = new Date('2026-11-05T08:00:00Z');
    expect(bestCandidate([wed18, mon9, tue18, thu9], cells, 'Europe/Rome')).toEqual(tue18);
    expect(bestCandidate([mon9, thu9], cells, 'Europe/Rome')).toEqual(mon9);
    expect(bestCandidate([thu9], cells, 'Europe/Rome')).toBeNull();
  });
});
