import { evaluate } from './evaluate';
import { findGaps } from './gaps';
import { ChannelRules, TimelineEntry } from './rule.types';

const post = (id: string, at: string): TimelineEntry => ({ id, at: new Date(at), category: 'informative' });
const rules: ChannelRules = { cadence: { maxGapHours: 72 } };
const ZONE = 'Europe/Rome';

describe('maxGap in evaluate', () => {
  it('reports a stretch between two posts longer than the limit, with an actionable message', () => {
    const timeline = [post('mon', '2027-01-11T09:00:00+01:00'), post('fri', '2027-01-15T09:00:00+01:00')];
    expect(evaluate(timeline, rules, ZONE, { now: new Date('2027-01-01T00:00:00Z') })).toEqual([
      {
        rule: 'maxGap',
        severity: 'warn',
        message:
          'No post for 96 hours between Mon 11 Jan 09:00 and Fri 15 Jan 09:00 (at most 72): add a post in between.',
        postIds: ['mon', 'fri'],
        from: '2027-01-11T08:00:00.000Z',
        to: '2027-01-15T08:00:00.000Z',
        measured: 96,
        limit: 72,
      },
    ]);
  });

  it('measures real hours across the New York spring-forward', () => {
    const timeline = [post('a', '2027-03-13T12:00:00-05:00'), post('b', '2027-03-16T12:00:00-04:00')];
    const now = new Date('2027-01-01T00:00:00Z');
    expect(evaluate(timeline, { cadence: { maxGapHours: 71 } }, 'America/New_York', { now })).toEqual([]);
    expect(evaluate(timeline, { cadence: { maxGapHours: 70 } }, 'America/New_York', { now })[0].measured).toBe(71);
  });

  it('reports the ongoing silence after the last post anchored on that post, whatever now is', () => {
    const timeline = [post('a', '2027-01-10T09:00:00+01:00'), post('last', '2027-01-11T09:00:00+01:00')];
    const at = (now: string) => evaluate(timeline, rules, ZONE, { now: new Date(now) });
    expect(at('2027-01-13T09:00:00+01:00')).toEqual([]);
    const first = at('2027-01-15T09:00:00+01:00');
    const later = at('2027-01-16T21:00:00+01:00');
    expect(first.map((v) => [v.from, v.to, v.measured, v.postIds])).toEqual([
      ['2027-01-11T08:00:00.000Z', '2027-01-15T08:00:00.000Z', 96, ['last']],
    ]);
    expect(later.map((v) => [v.from, v.measured])).toEqual([['2027-01-11T08:00:00.000Z', 132]]);
    expect(first[0].message).toBe('No post for 96 hours since Mon 11 Jan 09:00 (at most 72): add a post now.');
  });

  it('does not report the time before the first post nor a plan that ends in the future', () => {
    const timeline = [post('a', '2027-02-01T09:00:00Z')];
    expect(evaluate(timeline, rules, ZONE, { now: new Date('2027-01-01T00:00:00Z') })).toEqual([]);
    expect(evaluate([], rules, ZONE, { now: new Date('2027-01-01T00:00:00Z') })).toEqual([]);
  });
});

describe('findGaps', () => {
  const timeline = [
    post('a', '2027-01-01T09:00:00Z'),
    post('b', '2027-01-06T09:00:00Z'), // 120 h after a
    post('c', '2027-01-08T09:00:00Z'),
    post('d', '2027-01-14T09:00:00Z'), // 144 h after c
  ];
  const range = { from: new Date('2027-01-01T00:00:00Z'), to: new Date('2027-01-25T00:00:00Z') };

  it('splits stretches into inactivity (limit already exceeded at now) and planned gaps, anchored on the post before', () => {
    const gaps = findGaps(timeline, rules, 'UTC', { ...range, now: new Date('2027-01-09T09:00:00Z') });
    expect(gaps).toEqual([
      { kind: 'inactivity', from: '2027-01-01T09:00:00.000Z', to: '2027-01-06T09:00:00.000Z', afterPostId: 'a' },
      { kind: 'planned_gap', from: '2027-01-08T09:00:00.000Z', to: '2027-01-14T09:00:00.000Z', afterPostId: 'c' },
      // Nothing planned after the last post up to the end of the range asked for.
      { kind: 'planned_gap', from: '2027-01-14T09:00:00.000Z', to: '2027-01-25T00:00:00.000Z', afterPostId: 'd' },
    ]);
  });

  it('keeps the same from for a gap while now moves, and turns a planned gap into inactivity once it is too late', () => {
    const kinds = ['2027-01-09T09:00:00Z', '2027-01-11T08:59:00Z', '2027-01-11T09:00:00Z', '2027-01-13T00:00:00Z'].map(
      (now) => findGaps(timeline, rules, 'UTC', { ...range, now: new Date(now) }).find((g) => g.afterPostId === 'c'),
    );
    expect(kinds.map((g) => [g?.kind, g?.from, g?.to])).toEqual([
      ['planned_gap', '2027-01-08T09:00:00.000Z', '2027-01-14T09:00:00.000Z'],
      ['planned_gap', '2027-01-08T09:00:00.000Z', '2027-01-14T09:00:00.000Z'],
      ['inactivity', '2027-01-08T09:00:00.000Z', '2027-01-14T09:00:00.000Z'],
      ['inactivity', '2027-01-08T09:00:00.000Z', '2027-01-14T09:00:00.000Z'],
    ]);
  });

  it('reports the current silence as inactivity when the last post is older than the limit', () => {
    const gaps = findGaps(timeline, rules, 'UTC', { ...range, now: new Date('2027-01-20T00:00:00Z') });
    expect(gaps.at(-1)).toEqual({
      kind: 'inactivity',
      from: '2027-01-14T09:00:00.000Z',
      to: '2027-01-25T00:00:00.000Z',
      afterPostId: 'd',
    });
  });

  it('lists weeks under the cadence that are not over yet, and only gaps touching the range', () => {
    const gaps = findGaps(timeline, { cadence: { maxGapHours: 72, postsPerWeek: 2 } }, 'UTC', {
      from: new Date('2027-01-11T00:00:00Z'),
      to: new Date('2027-01-25T00:00:00Z'),
      now: new Date('2027-01-12T00:00:00Z'),
    });
    expect(gaps.map((g) => [g.kind, g.from])).toEqual([
      ['inactivity', '2027-01-08T09:00:00.000Z'],
      ['under_cadence', '2027-01-11T00:00:00.000Z'],
      ['planned_gap', '2027-01-14T09:00:00.000Z'],
      ['under_cadence', '2027-01-18T00:00:00.000Z'],
    ]);
  });

  it('anchors on now only when there is no post at all', () => {
    const now = new Date('2027-01-10T00:00:00Z');
    expect(findGaps([], rules, 'UTC', { ...range, now })).toEqual([
      { kind: 'planned_gap', from: '2027-01-10T00:00:00.000Z', to: '2027-01-25T00:00:00.000Z' },
    ]);
  });
});
