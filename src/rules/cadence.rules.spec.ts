import { evaluate } from './evaluate';
import { ChannelRules, TimelineEntry, Violation } from './rule.types';

const post = (id: string, at: string, category = 'informative'): TimelineEntry => ({ id, at: new Date(at), category });
const only = (vs: Violation[], rule: Violation['rule']): Violation[] => vs.filter((v) => v.rule === rule);
const NOW = new Date('2027-01-01T00:00:00Z');

describe('maxPostsPerDay', () => {
  const rules: ChannelRules = { cadence: { maxPostsPerDay: 3 } };

  it('counts the 25 hours of the Rome fall-back day as one day, both 02:30 included', () => {
    const timeline = [
      post('a', '2027-10-31T00:30:00+02:00'),
      post('b', '2027-10-31T02:30:00+02:00'),
      post('c', '2027-10-31T02:30:00+01:00'),
      post('d', '2027-10-31T23:30:00+01:00'),
      post('e', '2027-11-01T00:10:00+01:00'),
      post('f', '2027-10-30T23:50:00+02:00'),
    ];
    const [v] = only(evaluate(timeline, rules, 'Europe/Rome', { now: NOW }), 'maxPostsPerDay');
    expect(v).toEqual({
      rule: 'maxPostsPerDay',
      severity: 'warn',
      message: 'Move or drop one of these 4 posts on Sun 31 Oct: the channel allows 3 a day.',
      postIds: ['a', 'b', 'c', 'd'],
      from: '2027-10-30T22:00:00.000Z',
      to: '2027-10-31T23:00:00.000Z',
      measured: 4,
      limit: 3,
    });
  });

  it('starts the Santiago spring-forward day at 01:00 (04:00 UTC)', () => {
    const timeline = [
      post('sat', '2027-09-05T03:59:00Z'), // Sat 4 Sep 23:59 -04
      post('sun1', '2027-09-05T04:00:00Z'), // Sun 5 Sep 01:00 -03
      post('sun2', '2027-09-06T02:59:00Z'), // Sun 5 Sep 23:59 -03
    ];
    const vs = only(
      evaluate(timeline, { cadence: { maxPostsPerDay: 1 } }, 'America/Santiago', { now: NOW }),
      'maxPostsPerDay',
    );
    expect(vs.map((v) => [v.postIds, v.from, v.to])).toEqual([
      [['sun1', 'sun2'], '2027-09-05T04:00:00.000Z', '2027-09-06T03:00:00.000Z'],
    ]);
  });

  it.each([
    ['America/New_York', ['2027-03-14T00:00:00-05:00', '2027-03-14T23:59:00-04:00'], '2027-03-15T00:00:00-04:00'],
    ['Australia/Lord_Howe', ['2027-10-03T00:00:00+10:30', '2027-10-03T23:59:00+11:00'], '2027-10-04T00:00:00+11:00'],
    ['Australia/Lord_Howe', ['2027-04-04T00:00:00+11:00', '2027-04-04T23:59:00+10:30'], '2027-04-05T00:00:00+10:30'],
  ])('%s: first and last minute of a DST day are the same day, next midnight is not', (zone, sameDay, nextDay) => {
    const timeline = [post('first', sameDay[0]), post('last', sameDay[1]), post('next', nextDay)];
    const vs = only(evaluate(timeline, { cadence: { maxPostsPerDay: 1 } }, zone, { now: NOW }), 'maxPostsPerDay');
    expect(vs.map((v) => v.postIds)).toEqual([['first', 'last']]);
  });

  it('says how many posts to move when the day is over by more than one', () => {
    const timeline = ['08', '10', '12', '14', '16'].map((h, i) => post(`p${i}`, `2027-01-12T${h}:00:00+01:00`));
    const [v] = evaluate(timeline, { cadence: { maxPostsPerDay: 2 } }, 'Europe/Rome', { now: NOW });
    expect(v.message).toBe('Move or drop 3 of these 5 posts on Tue 12 Jan: the channel allows 2 a day.');
  });
});

describe('minSpacing', () => {
  it('measures real minutes across the Rome fall-back, not wall-clock minutes', () => {
    const timeline = [post('a', '2027-10-31T02:50:00+02:00'), post('b', '2027-10-31T02:10:00+01:00')];
    const [v] = evaluate(timeline, { cadence: { minSpacingMinutes: 30 } }, 'Europe/Rome', { now: NOW });
    expect(v).toMatchObject({ rule: 'minSpacing', postIds: ['a', 'b'], measured: 20, limit: 30 });
    expect(v.message).toBe(
      'The posts at Sun 31 Oct 02:50 and Sun 31 Oct 02:10 are 20 minutes apart (at least 30): move one of them.',
    );
  });

  it('checks consecutive posts only and accepts exactly the limit', () => {
    const timeline = [
      post('a', '2027-01-12T09:00:00Z'),
      post('b', '2027-01-12T11:00:00Z'),
      post('c', '2027-01-12T12:59:00Z'),
    ];
    const vs = evaluate(timeline, { cadence: { minSpacingMinutes: 120 } }, 'UTC', { now: NOW });
    expect(vs.map((v) => [v.postIds, v.measured])).toEqual([[['b', 'c'], 119]]);
  });
});

describe('quietHours', () => {
  const rules: ChannelRules = { cadence: { quietHours: { start: '22:00', end: '07:00' } } };

  it('spans midnight: 22:00 to 06:59 are quiet, 21:59 and 07:00 are not', () => {
    const timeline = [
      post('before', '2027-01-12T21:59:00+01:00'),
      post('start', '2027-01-12T22:00:00+01:00'),
      post('night', '2027-01-13T03:00:00+01:00'),
      post('late', '2027-01-13T06:59:00+01:00'),
      post('end', '2027-01-13T07:00:00+01:00'),
    ];
    const vs = evaluate(timeline, rules, 'Europe/Rome', { now: NOW });
    expect(vs.map((v) => v.postIds[0])).toEqual(['start', 'night', 'late']);
    expect(vs.map((v) => [v.from, v.to])).toEqual([
      ['2027-01-12T21:00:00.000Z', '2027-01-12T21:00:00.000Z'],
      ['2027-01-13T02:00:00.000Z', '2027-01-13T02:00:00.000Z'],
      ['2027-01-13T05:59:00.000Z', '2027-01-13T05:59:00.000Z'],
    ]);
    expect(vs[1].message).toBe(
      'The post at Wed 13 Jan 03:00 falls in the quiet hours 22:00-07:00: move it to 07:00 or later.',
    );
  });

  it('uses the wall clock of the channel zone, not UTC', () => {
    const timeline = [post('ny', '2027-01-13T02:00:00Z')]; // 21:00 in New York
    expect(evaluate(timeline, rules, 'America/New_York', { now: NOW })).toEqual([]);
    expect(evaluate(timeline, rules, 'Europe/Rome', { now: NOW })).toHaveLength(1); // 03:00 in Rome
  });

  it('follows the wall clock through the New York spring-forward night', () => {
    const timeline = [post('a', '2027-03-14T01:59:00-05:00'), post('b', '2027-03-14T03:00:00-04:00')];
    const vs = evaluate(timeline, { cadence: { quietHours: { start: '01:00', end: '03:00' } } }, 'America/New_York', {
      now: NOW,
    });
    expect(vs.map((v) => v.postIds[0])).toEqual(['a']);
  });

  it('treats a window within one day, and start = end as no quiet hours', () => {
    const timeline = [post('noon', '2027-01-12T12:30:00Z'), post('eve', '2027-01-12T14:00:00Z')];
    expect(
      evaluate(timeline, { cadence: { quietHours: { start: '12:00', end: '14:00' } } }, 'UTC', { now: NOW }).map(
        (v) => v.postIds,
      ),
    ).toEqual([['noon']]);
    expect(
      evaluate(timeline, { cadence: { quietHours: { start: '12:00', end: '12:00' } } }, 'UTC', { now: NOW }),
    ).toEqual([]);
  });
});

describe('postsPerWeek', () => {
  const rules: ChannelRules = { cadence: { postsPerWeek: 3 } };

  it('counts the Rome week with the spring-forward Sunday from Monday 00:00 to Monday 00:00 local', () => {
    const timeline = [
      post('mon', '2027-03-22T00:00:00+01:00'),
      post('sun', '2027-03-28T23:30:00+02:00'),
      post('nextMon', '2027-03-29T00:30:00+02:00'),
    ];
    const vs = evaluate(timeline, rules, 'Europe/Rome', { now: new Date('2027-03-22T00:00:00+01:00') });
    expect(vs).toEqual([
      {
        rule: 'postsPerWeek',
        severity: 'warn',
        message: 'Only 2 posts in the week of Mon 22 Mar; the channel aims for 3 a week: add one more.',
        postIds: ['mon', 'sun'],
        from: '2027-03-21T23:00:00.000Z',
        to: '2027-03-28T22:00:00.000Z',
        measured: 2,
        limit: 3,
      },
      expect.objectContaining({ rule: 'postsPerWeek', postIds: ['nextMon'], from: '2027-03-28T22:00:00.000Z' }),
    ]);
  });

  it.each([
    ['America/New_York', '2027-03-08T00:00:00-05:00', '2027-03-14T23:59:00-04:00', '2027-03-15T00:00:00-04:00'],
    ['Australia/Lord_Howe', '2027-03-29T00:00:00+11:00', '2027-04-04T23:59:00+10:30', '2027-04-05T00:00:00+10:30'],
    ['Australia/Lord_Howe', '2027-09-27T00:00:00+10:30', '2027-10-03T23:59:00+11:00', '2027-10-04T00:00:00+11:00'],
    ['America/Santiago', '2027-03-29T00:00:00-03:00', '2027-04-04T23:59:00-04:00', '2027-04-05T00:00:00-04:00'],
    ['America/Santiago', '2027-08-30T00:00:00-04:00', '2027-09-05T23:59:00-03:00', '2027-09-06T00:00:00-03:00'],
    ['Europe/Rome', '2027-10-25T00:00:00+02:00', '2027-10-31T23:59:00+01:00', '2027-11-01T00:00:00+01:00'],
  ])('%s: a DST week holds its Monday 00:00 and Sunday 23:59, not the next Monday', (zone, monday, sunday, next) => {
    const timeline = [post('mon', monday), post('sun', sunday), post('next', next)];
    const vs = evaluate(timeline, rules, zone, { now: new Date(monday) });
    expect(vs.map((v) => v.postIds)).toEqual([['mon', 'sun'], ['next']]);
  });

  it('ignores weeks already over and, without a range, weeks after the last post', () => {
    const timeline = [post('old', '2027-01-05T10:00:00Z'), post('plan', '2027-01-20T10:00:00Z')];
    const vs = evaluate(timeline, rules, 'UTC', { now: new Date('2027-01-13T10:00:00Z') });
    // The week of now (11-17 Jan, already started) and the week of the last post.
    expect(vs.map((v) => [v.from, v.measured])).toEqual([
      ['2027-01-11T00:00:00.000Z', 0],
      ['2027-01-18T00:00:00.000Z', 1],
    ]);
  });

  it('with a range, counts only the weeks fully inside it', () => {
    const vs = evaluate([], rules, 'UTC', {
      now: new Date('2027-01-01T00:00:00Z'),
      from: new Date('2027-01-06T00:00:00Z'),
      to: new Date('2027-02-01T00:00:00Z'),
    });
    expect(vs.map((v) => v.from)).toEqual([
      '2027-01-11T00:00:00.000Z',
      '2027-01-18T00:00:00.000Z',
      '2027-01-25T00:00:00.000Z',
    ]);
    expect(vs[0].message).toBe('No post in the week of Mon 11 Jan; the channel aims for 3 a week: add 3 more.');
  });
});

describe('severity and rules left out', () => {
  const timeline = [post('a', '2027-01-12T23:00:00Z'), post('b', '2027-01-12T23:10:00Z')];
  const cadence = { minSpacingMinutes: 30, quietHours: { start: '22:00', end: '07:00' } };

  it('takes the severity from enforcement, warn by default', () => {
    expect(evaluate(timeline, { cadence }, 'UTC', { now: NOW }).map((v) => v.severity)).toEqual([
      'warn',
      'warn',
      'warn',
    ]);
    expect(evaluate(timeline, { enforcement: 'block', cadence }, 'UTC', { now: NOW }).map((v) => v.severity)).toEqual([
      'block',
      'block',
      'block',
    ]);
  });

  it('checks nothing that the rules leave out', () => {
    expect(evaluate(timeline, {}, 'UTC', { now: NOW })).toEqual([]);
  });

  it('sorts by time, then rule, and keeps only violations touching [from, to) when asked', () => {
    const vs = evaluate(timeline, { cadence }, 'UTC', { now: NOW });
    expect(vs.map((v) => [v.rule, v.postIds.join()])).toEqual([
      ['minSpacing', 'a,b'],
      ['quietHours', 'a'],
      ['quietHours', 'b'],
    ]);
    const later = evaluate(timeline, { cadence }, 'UTC', {
      now: NOW,
      from: new Date('2027-01-13T08:00:00Z'),
      to: new Date('2027-01-14T00:00:00Z'),
    });
    expect(later).toEqual([]);
  });
});
