import { affectedRange } from './affected-range';
import { checkChange } from './check-change';
import { ChannelRules, TimelineEntry, Violation } from './rule.types';

const post = (id: string, at: string, category = 'informative'): TimelineEntry => ({ id, at: new Date(at), category });
const ZONE = 'UTC';
const NOW = new Date('2027-01-01T00:00:00Z');
const rulesOf = (v: Violation[]): string[] => v.map((x) => `${x.rule}:${x.postIds.join(',')}`);

describe('checkChange', () => {
  describe('maxGap', () => {
    const rules: ChannelRules = { enforcement: 'block', cadence: { maxGapHours: 72 } };
    const plan = [
      post('a', '2027-01-11T09:00:00Z'),
      post('b', '2027-01-21T09:00:00Z'),
      post('c', '2027-01-23T09:00:00Z'),
    ];

    it('does not count a post that shortens a gap still too long', () => {
      const after = [...plan, post('new', '2027-01-13T09:00:00Z')];
      const result = checkChange(plan, after, rules, ZONE, { now: NOW });
      expect(result.added).toEqual([]);
      expect(rulesOf(result.all)).toEqual(['maxGap:new,b']);
    });

    it('counts removing or moving away the post that split a gap', () => {
      const removed = checkChange(
        plan,
        plan.filter((p) => p.id !== 'b'),
        rules,
        ZONE,
        { now: NOW },
      );
      expect(rulesOf(removed.added)).toEqual(['maxGap:a,c']);
      const moved = checkChange(plan, [plan[0], plan[1], post('c', '2027-01-26T09:00:00Z')], rules, ZONE, { now: NOW });
      expect(rulesOf(moved.added)).toEqual(['maxGap:b,c']);
    });

    it('does not count posts added beyond either end of the plan', () => {
      const before = checkChange(plan, [post('early', '2027-01-02T09:00:00Z'), ...plan], rules, ZONE, { now: NOW });
      const after = checkChange(plan, [...plan, post('late', '2027-02-20T09:00:00Z')], rules, ZONE, { now: NOW });
      expect(before.added).toEqual([]);
      expect(after.added).toEqual([]);
    });
  });

  describe('day, spacing, quiet hours, week', () => {
    const rules: ChannelRules = {
      cadence: {
        maxPostsPerDay: 2,
        minSpacingMinutes: 60,
        quietHours: { start: '22:00', end: '07:00' },
        postsPerWeek: 3,
      },
    };
    const plan = [
      post('a', '2027-01-12T09:00:00Z'),
      post('b', '2027-01-12T12:00:00Z'),
      post('q', '2027-01-14T23:00:00Z'),
    ];

    it('counts a day going over the limit, and a day already over getting fuller, but not a move inside that day', () => {
      const third = [...plan, post('c', '2027-01-12T15:00:00Z')];
      expect(rulesOf(checkChange(plan, third, rules, ZONE, { now: NOW }).added)).toEqual(['maxPostsPerDay:a,b,c']);
      const fourth = [...third, post('d', '2027-01-12T18:00:00Z')];
      expect(rulesOf(checkChange(third, fourth, rules, ZONE, { now: NOW }).added)).toEqual(['maxPostsPerDay:a,b,c,d']);
      const moved = [...plan, post('c', '2027-01-12T17:00:00Z')];
      expect(checkChange(third, moved, rules, ZONE, { now: NOW }).added).toEqual([]);
    });

    it('counts a new close pair, and a pair brought closer, but not a pair moved apart', () => {
      const spacing: ChannelRules = { cadence: { minSpacingMinutes: 60 } };
      const close = [...plan, post('c', '2027-01-12T12:30:00Z')];
      expect(rulesOf(checkChange(plan, close, spacing, ZONE, { now: NOW }).added)).toEqual(['minSpacing:b,c']);
      const closer = [...plan, post('c', '2027-01-12T12:10:00Z')];
      expect(rulesOf(checkChange(close, closer, spacing, ZONE, { now: NOW }).added)).toEqual(['minSpacing:b,c']);
      const apart = [...plan, post('c', '2027-01-12T12:50:00Z')];
      expect(checkChange(close, apart, spacing, ZONE, { now: NOW }).added).toEqual([]);
    });

    it('counts a post newly in quiet hours, not one that was already there', () => {
      const quiet = [...plan, post('n', '2027-01-13T05:00:00Z')];
      expect(rulesOf(checkChange(plan, quiet, rules, ZONE, { now: NOW }).added)).toEqual(['quietHours:n']);
      const stillQuiet = [plan[0], plan[1], post('q', '2027-01-15T01:00:00Z')];
      const result = checkChange(plan, stillQuiet, rules, ZONE, { now: NOW });
      expect(result.added).toEqual([]);
      expect(rulesOf(result.all)).toContain('quietHours:q');
    });

    it('counts a week losing posts under the target, not one gaining posts while still under it', () => {
      const fewer = checkChange(
        plan,
        plan.filter((p) => p.id !== 'b'),
        rules,
        ZONE,
        { now: NOW },
      );
      expect(rulesOf(fewer.added)).toEqual(['postsPerWeek:a,q']);
      expect(fewer.added[0].measured).toBe(2);
      const more = [...plan, post('c', '2027-01-16T12:00:00Z')];
      const withFour = checkChange(plan, more, rules, ZONE, { now: NOW });
      expect(withFour.added).toEqual([]);
      expect(rulesOf(withFour.all)).not.toContain('postsPerWeek:a,b,q');
    });
  });

  describe('mix', () => {
    const rules: ChannelRules = { mix: { windowDays: 14, limits: { promotional: { max: 0.2 } } } };
    const plan = [
      post('i1', '2027-01-01T10:00:00Z'),
      post('p1', '2027-01-02T10:00:00Z', 'promotional'),
      post('p2', '2027-01-03T10:00:00Z', 'promotional'),
    ];

    it('does not count an informative post that lowers a promotional share still too high', () => {
      const result = checkChange(plan, [...plan, post('i2', '2027-01-04T10:00:00Z')], rules, ZONE, { now: NOW });
      expect(result.added).toEqual([]);
      expect(result.all.map((v) => v.rule)).toEqual(['mixMax']);
    });

    it('counts a promotional post, pointing at the window it made worse', () => {
      const result = checkChange(plan, [...plan, post('p3', '2027-01-04T10:00:00Z', 'promotional')], rules, ZONE, {
        now: NOW,
      });
      expect(result.added).toEqual([
        expect.objectContaining({
          rule: 'mixMax',
          postIds: ['i1', 'p1', 'p2', 'p3'],
          measured: 0.75,
          to: '2027-01-04T10:00:00.000Z',
        }),
      ]);
      expect(result.all.map((v) => v.measured)).toEqual([0.75]);
    });

    it('counts recategorising a post', () => {
      const result = checkChange(plan, [{ ...plan[0], category: 'promotional' }, plan[1], plan[2]], rules, ZONE, {
        now: NOW,
      });
      expect(result.added.map((v) => v.measured)).toEqual([1]);
    });
  });

  it('ignores violations elsewhere in the plan and, with a range, reports only what touches it', () => {
    const rules: ChannelRules = { cadence: { maxPostsPerDay: 1 } };
    const plan = [
      post('x', '2027-03-01T09:00:00Z'),
      post('y', '2027-03-01T10:00:00Z'),
      post('a', '2027-01-12T09:00:00Z'),
    ];
    const after = [...plan.filter((p) => p.id !== 'a'), post('a', '2027-01-13T09:00:00Z')];
    const range = affectedRange(rules, ZONE, [new Date('2027-01-12T09:00:00Z'), new Date('2027-01-13T09:00:00Z')]);
    expect(range).toEqual({ from: new Date('2027-01-12T00:00:00Z'), to: new Date('2027-01-14T00:00:00Z') });
    const whole = checkChange(plan, after, rules, ZONE, { now: NOW });
    expect(whole.added).toEqual([]);
    expect(rulesOf(whole.all)).toEqual(['maxPostsPerDay:x,y']);
    expect(checkChange(plan, after, rules, ZONE, { now: NOW, range }).all).toEqual([]);
  });
});

describe('affectedRange', () => {
  it('covers the local day, the ISO week, the spacing and a mix window either side of the change', () => {
    const at = new Date('2027-03-28T12:00:00+02:00');
    expect(affectedRange({ cadence: { maxPostsPerDay: 2 } }, 'Europe/Rome', [at])).toEqual({
      from: new Date('2027-03-27T23:00:00Z'),
      to: new Date('2027-03-28T22:00:00Z'),
    });
    expect(affectedRange({ cadence: { postsPerWeek: 2 } }, 'Europe/Rome', [at])).toEqual({
      from: new Date('2027-03-21T23:00:00Z'),
      to: new Date('2027-03-28T22:00:00Z'),
    });
    const mix = affectedRange({ mix: { windowDays: 10, limits: {} } }, 'Europe/Rome', [at]);
    expect(mix.from.toISOString()).toBe('2027-03-18T10:00:00.000Z');
    expect(mix.to.toISOString()).toBe('2027-04-07T10:00:00.001Z');
  });
});
