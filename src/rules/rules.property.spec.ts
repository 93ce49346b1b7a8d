import fc from 'fast-check';
import { affectedRange } from './affected-range';
import { checkChange } from './check-change';
import { evaluate } from './evaluate';
import { nextSlot } from './next-slot';
import { slotInstants } from './slots';
import { ChannelRules, TimelineEntry, Violation } from './rule.types';
import { sliceForRange, sortTimeline } from './timeline';

const ZONES = ['Europe/Rome', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago'];
const CATEGORIES = ['informative', 'promotional', 'engagement'];
const MIN = 60_000;
// Two 90-day periods, each crossing the spring and autumn DST changes of the zones above.
const PERIODS = [Date.parse('2027-02-20T00:00:00Z'), Date.parse('2027-08-20T00:00:00Z')];
const SPAN_MIN = 90 * 24 * 60;
const DENSE_SPAN_MIN = 10 * 24 * 60;

const hhmm = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
  .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);

const rulesArb: fc.Arbitrary<ChannelRules> = fc
  .record(
    {
      enforcement: fc.constantFrom('block' as const, 'warn' as const),
      cadence: fc.record(
        {
          postsPerWeek: fc.integer({ min: 1, max: 10 }),
          maxGapHours: fc.integer({ min: 6, max: 120 }),
          maxPostsPerDay: fc.integer({ min: 1, max: 4 }),
          minSpacingMinutes: fc.integer({ min: 5, max: 300 }),
          quietHours: fc.record({ start: hhmm, end: hhmm }),
        },
        { requiredKeys: [] },
      ),
      mix: fc.record({
        windowDays: fc.integer({ min: 1, max: 21 }),
        minPosts: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        limits: fc.dictionary(
          fc.constantFrom(...CATEGORIES),
          fc.record(
            {
              max: fc.integer({ min: 1, max: 19 }).map((n) => n / 20),
              min: fc.integer({ min: 1, max: 19 }).map((n) => n / 20),
            },
            { requiredKeys: [] },
          ),
        ),
      }),
    },
    { requiredKeys: [] },
  )
  .map((r) => {
    // fc.option-produced undefined minPosts: drop the key, as JSON would.
    if (r.mix && r.mix.minPosts === undefined) delete r.mix.minPosts;
    return r;
  });

interface Scenario {
  zone: string;
  base: number;
  timeline: TimelineEntry[];
  now: Date;
}

// Posts on a 5-minute grid (so spacing, same-minute and same-day cases are frequent), some with seconds.
const scenarioArb = (maxPosts: number, onlySpan?: number): fc.Arbitrary<Scenario> =>
  fc
    .record({
      zone: fc.constantFrom(...ZONES),
      base: fc.constantFrom(...PERIODS),
      // Either spread over the whole period or crowded into 10 days (full days, close pairs).
      span: onlySpan !== undefined ? fc.constant(onlySpan) : fc.constantFrom(SPAN_MIN, DENSE_SPAN_MIN),
      offsets: fc.array(
        fc.tuple(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.constantFrom(0, 0, 0, 17),
          fc.constantFrom(...CATEGORIES),
        ),
        { maxLength: maxPosts },
      ),
      nowOffset: fc.integer({ min: -7 * 24 * 60, max: SPAN_MIN + 7 * 24 * 60 }),
    })
    .map(({ zone, base, span, offsets, nowOffset }) => ({
      zone,
      base,
      timeline: offsets.map(([u, s, category], i) => ({
        id: `p${i}`,
        at: new Date(base + Math.floor((u * span) / 5) * 5 * MIN + s * 1000),
        category,
      })),
      now: new Date(base + nowOffset * MIN),
    }));

/** Minutes from the period start, or [post index, minutes from that post]. */
type When = number | [number, number];

type Change =
  | { kind: 'add'; at: When; category: string }
  | { kind: 'move'; index: number; at: When }
  | { kind: 'remove'; index: number }
  | { kind: 'recategorise'; index: number; category: string };

const whenArb: fc.Arbitrary<When> = fc.oneof(
  fc.integer({ min: -2000, max: SPAN_MIN + 2000 }),
  fc.tuple(fc.nat(), fc.integer({ min: -300, max: 300 })),
);

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), at: whenArb, category: fc.constantFrom(...CATEGORIES) }),
  fc.record({ kind: fc.constant('move' as const), index: fc.nat(), at: whenArb }),
  fc.record({ kind: fc.constant('remove' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('recategorise' as const), index: fc.nat(), category: fc.constantFrom(...CATEGORIES) }),
);

function resolve(s: Scenario, when: When): Date {
  if (typeof when === 'number') return new Date(s.base + when * MIN);
  const anchor = s.timeline.length > 0 ? s.timeline[when[0] % s.timeline.length].at.getTime() : s.base;
  return new Date(anchor + when[1] * MIN);
}

function applyChange(s: Scenario, change: Change): { after: TimelineEntry[]; instants: Date[] } | null {
  const before = s.timeline;
  if (change.kind === 'add') {
    const at = resolve(s, change.at);
    return { after: [...before, { id: 'new', at, category: change.category }], instants: [at] };
  }
  if (before.length === 0) return null;
  const target = before[change.index % before.length];
  const others = before.filter((p) => p !== target);
  switch (change.kind) {
    case 'move': {
      const at = resolve(s, change.at);
      return { after: [...others, { ...target, at }], instants: [target.at, at] };
    }
    case 'remove':
      return { after: others, instants: [target.at] };
    case 'recategorise':
      return { after: [...others, { ...target, category: change.category }], instants: [target.at] };
  }
}

const verdict = (vs: Violation[]): string[] =>
  vs.map((v) => `${v.rule} ${v.from} ${v.to} ${v.measured} [${v.postIds.join(',')}]`);

describe('rule engine properties', () => {
  // The second case keeps only the mix, whose windows reach furthest, over crowded timelines.
  it.each([
    ['any rules', scenarioArb(200), rulesArb, 150],
    [
      'mix only, crowded',
      scenarioArb(200, DENSE_SPAN_MIN),
      rulesArb.map((r): ChannelRules => ({ mix: r.mix ?? { windowDays: 2, limits: { promotional: { max: 0.3 } } } })),
      400,
    ],
  ] as const)(
    'checkChange on the slices loaded through affectedRange gives the same added violations as on the whole timelines (%s)',
    (_name, scenarios, rulesGen, numRuns) => {
      fc.assert(
        fc.property(scenarios, rulesGen, changeArb, (s, rules, change) => {
          const applied = applyChange(s, change);
          if (!applied) return;
          const whole = checkChange(s.timeline, applied.after, rules, s.zone, { now: s.now });
          const range = affectedRange(rules, s.zone, applied.instants);
          const from = range.from.getTime();
          const to = range.to.getTime();
          const beforeSlice = sliceForRange(sortTimeline(s.timeline), from, to);
          const afterSlice = sliceForRange(sortTimeline(applied.after), from, to);
          const sliced = checkChange(beforeSlice, afterSlice, rules, s.zone, { now: s.now, range });
          expect(verdict(sliced.added)).toEqual(verdict(whole.added));
        }),
        { numRuns },
      );
    },
  );

  it('nextSlot returns an instant that validates clean, and earlier candidates do not', () => {
    const slotArb = fc.record({ weekday: fc.integer({ min: 1, max: 7 }), time: hhmm });
    fc.assert(
      fc.property(
        scenarioArb(60),
        rulesArb,
        fc.constantFrom(...CATEGORIES),
        fc.integer({ min: 0, max: SPAN_MIN }),
        fc.boolean(),
        fc.option(fc.array(slotArb, { minLength: 1, maxLength: 6 }), { nil: undefined }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 3, maxLength: 3 }),
        (s, rules, category, afterOffset, moveExisting, slots, samples) => {
          const after = new Date(s.base + afterOffset * MIN + 20_000);
          const horizonDays = 60;
          const excludePostId = moveExisting && s.timeline.length > 0 ? s.timeline[0].id : undefined;
          const found = nextSlot(s.timeline, rules, s.zone, {
            category,
            after,
            now: s.now,
            slots,
            horizonDays,
            excludePostId,
          });
          const before = s.timeline.filter((p) => p.id !== excludePostId);
          const addedAt = (at: Date): Violation[] =>
            checkChange(before, [...before, { id: excludePostId ?? '__candidate__', at, category }], rules, s.zone, {
              now: s.now,
            }).added;
          if (found) {
            expect(found.getTime()).toBeGreaterThan(after.getTime());
            expect(addedAt(found)).toEqual([]);
          }
          // The candidate grid before the answer (or up to the horizon when there is none).
          const end = found ? found.getTime() : after.getTime() + horizonDays * 24 * 60 * MIN;
          let earlier: number[];
          if (slots) {
            const grid = slotInstants(slots, s.zone, new Date(after.getTime() + 1), new Date(end)).map((d) =>
              d.getTime(),
            );
            if (found) expect(slotInstants(slots, s.zone, found, new Date(found.getTime() + 1))).toEqual([found]);
            earlier =
              grid.length > 0 ? [...samples.map((u) => grid[Math.floor(u * grid.length)]), ...grid.slice(-3)] : [];
          } else {
            if (found) expect(found.getTime() % MIN).toBe(0);
            const first = Math.ceil((after.getTime() + 1) / MIN) * MIN;
            const steps = Math.floor((end - first) / MIN);
            // Random points, plus the three minutes just before the answer (where a jump too far would show).
            earlier =
              steps > 0
                ? [...samples.map((u) => first + Math.floor(u * steps) * MIN), ...[1, 2, 3].map((k) => end - k * MIN)]
                : [];
            earlier = earlier.filter((t) => t >= first);
          }
          for (const at of earlier) expect(addedAt(new Date(at)).length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('evaluate gives the same output whatever the order of the timeline', () => {
    fc.assert(
      fc.property(scenarioArb(120), rulesArb, fc.integer(), (s, rules, seed) => {
        const shuffled = [...s.timeline];
        let x = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          x = (x * 1103515245 + 12345) & 0x7fffffff;
          const j = x % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        expect(evaluate(shuffled, rules, s.zone, { now: s.now })).toEqual(
          evaluate(s.timeline, rules, s.zone, { now: s.now }),
        );
      }),
      { numRuns: 60 },
    );
  });
});
