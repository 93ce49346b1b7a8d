import fc from 'fast-check';
import { ChannelRules, evaluate, findGaps, mixShares, TimelineEntry } from '../rules';
import { insightsValidUntil } from './insights-validity';

const ZONES = ['Europe/Rome', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata'];
const CATEGORIES = ['informative', 'promotional', 'engagement'];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BASE = Date.parse('2027-03-01T00:00:00Z'); // the month of the spring DST changes

/** What the calendar shows of the plan window at `now` (as CalendarService computes it). */
function insights(
  timeline: TimelineEntry[],
  rules: ChannelRules,
  zone: string,
  range: { from: Date; to: Date },
  now: Date,
): string {
  return JSON.stringify([
    findGaps(timeline, rules, zone, { ...range, now }),
    evaluate(timeline, rules, zone, { ...range, now }),
    mixShares(timeline, range.from, range.to),
  ]);
}

const rulesArb: fc.Arbitrary<ChannelRules> = fc.record(
  {
    enforcement: fc.constantFrom('block' as const, 'warn' as const),
    cadence: fc.record(
      {
        postsPerWeek: fc.integer({ min: 1, max: 6 }),
        maxGapHours: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.constantFrom(0.5, 36.25)),
        maxPostsPerDay: fc.integer({ min: 1, max: 3 }),
        minSpacingMinutes: fc.integer({ min: 5, max: 300 }),
        quietHours: fc.constantFrom({ start: '22:00', end: '07:00' }, { start: '12:00', end: '13:00' }),
      },
      { requiredKeys: [] },
    ),
    mix: fc.record({
      windowDays: fc.integer({ min: 1, max: 10 }),
      limits: fc.dictionary(
        fc.constantFrom(...CATEGORIES),
        fc.record({ max: fc.constantFrom(0.2, 0.5), min: fc.constantFrom(0.1, 0.4) }, { requiredKeys: [] }),
      ),
    }),
  },
  { requiredKeys: [] },
);

// Instants on a coarse grid (hours, sometimes a minute or ms off) so that boundaries such
// as post + maxGapHours, week ends and range ends are hit exactly.
const instantArb = fc
  .tuple(fc.integer({ min: -40 * 24, max: 60 * 24 }), fc.constantFrom(0, 0, 0, 1, -1, 30 * 60_000))
  .map(([h, off]) => BASE + h * HOUR + off);

const scenarioArb = fc.record({
  zone: fc.constantFrom(...ZONES),
  rules: rulesArb,
  timeline: fc
    .array(fc.record({ at: instantArb, category: fc.constantFrom(...CATEGORIES) }), { maxLength: 25 })
    .map((xs) =>
      xs.map((x, i) => ({ id: `p${String(i).padStart(2, '0')}`, at: new Date(x.at), category: x.category })),
    ),
  from: instantArb,
  days: fc.integer({ min: 1, max: 40 }),
  now: instantArb,
  // Where to look inside the promised interval: its first ms, its last ms, or in between.
  pick: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('insightsValidUntil', () => {
  it('promises only what the rule engine keeps: same gaps, violations and mix for every now in [now, until)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const range = { from: new Date(s.from), to: new Date(s.from + s.days * DAY) };
        const now = new Date(s.now);
        const until = insightsValidUntil(s.timeline, s.rules, s.zone, range, now);
        if (until === null) return;
        expect(until).toBeGreaterThan(s.now);
        const expected = insights(s.timeline, s.rules, s.zone, range, now);
        const end = Math.min(until, s.now + 200 * DAY);
        for (const later of [s.now + 1, end - 1, Math.floor(s.now + (end - s.now) * s.pick)]) {
          if (later < s.now || later >= until) continue;
          expect(insights(s.timeline, s.rules, s.zone, range, new Date(later))).toBe(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives up (null) where gaps or violations run up to now itself', () => {
    const range = { from: new Date(BASE), to: new Date(BASE + 30 * DAY) };
    const rules: ChannelRules = { cadence: { maxGapHours: 24 } };
    const post = [{ id: 'a', at: new Date(BASE + DAY), category: 'informative' }];
    // No post at all: the open stretch starts now.
    expect(insightsValidUntil([], rules, 'Europe/Rome', range, new Date(BASE))).toBeNull();
    // An ongoing inactivity inside the range.
    expect(insightsValidUntil(post, rules, 'Europe/Rome', range, new Date(BASE + 3 * DAY))).toBeNull();
    // Before it starts: valid until it does (the post + 24 h + 1 ms), at the latest.
    expect(insightsValidUntil(post, rules, 'Europe/Rome', range, new Date(BASE + DAY))).toBe(BASE + 2 * DAY);
    // Exactly at post + limit: the stretch is not yet over the limit, one ms later it is.
    const edge = new Date(BASE + 2 * DAY);
    expect(insightsValidUntil(post, rules, 'Europe/Rome', range, edge)).toBe(edge.getTime() + 1);
    expect(insights(post, rules, 'Europe/Rome', range, new Date(edge.getTime() + 1))).not.toBe(
      insights(post, rules, 'Europe/Rome', range, edge),
    );
    // Without a gap rule, the clock matters only at the range's ends.
    expect(insightsValidUntil(post, {}, 'Europe/Rome', range, new Date(BASE - DAY))).toBe(BASE);
    expect(insightsValidUntil(post, {}, 'Europe/Rome', range, new Date(BASE + 40 * DAY))).toBe(Infinity);
  });
});
