import { allowedAt, nextSlot } from './next-slot';
import { ChannelRules, TimelineEntry } from './rule.types';

const post = (id: string, at: string, category = 'informative'): TimelineEntry => ({ id, at: new Date(at), category });
const NOW = new Date('2027-01-01T00:00:00Z');
const ROME = 'Europe/Rome';
const next = (
  timeline: TimelineEntry[],
  rules: ChannelRules,
  after: string,
  extra: Partial<Parameters<typeof nextSlot>[3]> = {},
) =>
  nextSlot(timeline, rules, ROME, {
    category: 'informative',
    after: new Date(after),
    now: NOW,
    ...extra,
  })?.toISOString() ?? null;

describe('nextSlot', () => {
  it('is the next whole minute strictly after `after` when nothing objects', () => {
    expect(next([], {}, '2027-01-12T10:00:00.000Z')).toBe('2027-01-12T10:01:00.000Z');
    expect(next([], {}, '2027-01-12T10:00:30.000Z')).toBe('2027-01-12T10:01:00.000Z');
  });

  it('jumps to the end of the quiet hours in the channel zone', () => {
    const rules: ChannelRules = { cadence: { quietHours: { start: '22:00', end: '07:00' } } };
    expect(next([], rules, '2027-01-12T22:10:00Z')).toBe('2027-01-13T06:00:00.000Z'); // 07:00 in Rome
  });

  it('jumps to the next day when the day is full, and past the spacing of the last close post', () => {
    const rules: ChannelRules = { cadence: { maxPostsPerDay: 2, minSpacingMinutes: 90 } };
    const timeline = [post('a', '2027-01-12T09:00:00+01:00'), post('b', '2027-01-12T10:00:00+01:00')];
    expect(next(timeline, rules, '2027-01-12T08:00:00+01:00')).toBe('2027-01-12T23:00:00.000Z'); // Wed 00:00
    const oneLeft = { cadence: { maxPostsPerDay: 3, minSpacingMinutes: 90 } };
    expect(next(timeline, oneLeft, '2027-01-12T08:00:00+01:00')).toBe('2027-01-12T10:30:00.000Z'); // 11:30 = b + 90 min
  });

  it('lets a moved post ignore its own current place', () => {
    const rules: ChannelRules = { cadence: { minSpacingMinutes: 120 } };
    const timeline = [post('a', '2027-01-12T09:00:00Z'), post('me', '2027-01-12T10:00:00Z')];
    expect(next(timeline, rules, '2027-01-12T10:30:00Z', { excludePostId: 'me' })).toBe('2027-01-12T11:00:00.000Z');
    expect(next(timeline, rules, '2027-01-12T10:30:00Z')).toBe('2027-01-12T12:00:00.000Z');
  });

  it('waits until the mix window lets a promotional post in', () => {
    const rules: ChannelRules = { mix: { windowDays: 7, minPosts: 3, limits: { promotional: { max: 0.5 } } } };
    const timeline = [
      post('p1', '2027-01-10T10:00:00Z', 'promotional'),
      post('i1', '2027-01-12T10:00:00Z'),
      post('p2', '2027-01-13T10:00:00Z', 'promotional'),
    ];
    // Another promotional post makes its 7-day window 3 of 4, then (p1 gone on 17 Jan 10:00)
    // 2 of 3; once i1 leaves (19 Jan 10:00) the window holds fewer than minPosts.
    const found = nextSlot(timeline, rules, 'UTC', {
      category: 'promotional',
      after: new Date('2027-01-13T12:00:00Z'),
      now: NOW,
    });
    expect(found?.toISOString()).toBe('2027-01-19T10:00:00.000Z');
    const lone = { mix: { windowDays: 7, limits: { promotional: { max: 0.5 } } } };
    expect(nextSlot([], lone, 'UTC', { category: 'promotional', after: NOW, now: NOW })).toBeNull();
  });

  it('returns a posting slot, skipping slots that break a rule', () => {
    const rules: ChannelRules = { cadence: { maxPostsPerDay: 1 } };
    const slots = [
      { weekday: 2, time: '09:00' },
      { weekday: 4, time: '18:30' },
    ];
    const timeline = [post('tue', '2027-01-12T15:00:00+01:00')];
    expect(next(timeline, rules, '2027-01-11T00:00:00Z', { slots })).toBe('2027-01-14T17:30:00.000Z');
  });

  it('puts a slot that falls in the DST gap at the end of the gap', () => {
    const found = nextSlot([], {}, ROME, {
      category: 'informative',
      after: new Date('2027-03-27T00:00:00Z'),
      now: NOW,
      slots: [{ weekday: 7, time: '02:30' }],
    });
    expect(found?.toISOString()).toBe('2027-03-28T01:00:00.000Z');
  });

  it('returns null when nothing fits within the horizon', () => {
    expect(next([], { cadence: { maxPostsPerDay: 0 } }, '2027-01-12T10:00:00Z')).toBeNull();
    const rules: ChannelRules = { cadence: { maxPostsPerDay: 1 } };
    const busy = Array.from({ length: 10 }, (_, i) =>
      post(`d${i}`, new Date(Date.UTC(2027, 0, 12 + i, 12)).toISOString()),
    );
    expect(next(busy, rules, '2027-01-12T00:00:00Z', { horizonDays: 5 })).toBeNull();
    expect(next(busy, rules, '2027-01-12T00:00:00Z', { horizonDays: 30 })).toBe('2027-01-21T23:00:00.000Z');
  });

  it('jumps over a year of full days without scanning minute by minute', () => {
    const rules: ChannelRules = {
      cadence: { maxPostsPerDay: 3, minSpacingMinutes: 60, quietHours: { start: '22:00', end: '07:00' } },
    };
    const timeline: TimelineEntry[] = [];
    for (let d = 0; d < 300; d++) {
      for (const h of [9, 13, 17])
        timeline.push(post(`p${d}-${h}`, new Date(Date.UTC(2027, 0, 1 + d, h)).toISOString()));
    }
    const started = process.hrtime.bigint();
    const found = nextSlot(timeline, rules, 'UTC', {
      category: 'informative',
      after: new Date('2027-01-01T00:00:00Z'),
      now: NOW,
    });
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(found?.toISOString()).toBe('2027-10-28T07:00:00.000Z');
    expect(elapsedMs).toBeLessThan(2000);
  });
});

describe('allowedAt', () => {
  const zone = 'Europe/Rome';
  const rules = { cadence: { quietHours: { start: '22:00', end: '07:00' }, maxPostsPerDay: 1 } };
  const timeline = [{ id: 'a', at: new Date('2026-11-03T09:00:00Z'), category: 'informative' }];
  const now = new Date('2026-11-01T00:00:00Z');
  it('refuses quiet hours and a full day, allows the rest', () => {
    const at = (iso: string) => allowedAt(timeline, rules, zone, { category: 'informative', at: new Date(iso), now });
    expect(at('2026-11-02T22:30:00Z')).toBe(false); // 23:30 quiet
    expect(at('2026-11-03T15:00:00Z')).toBe(false); // the day already has its post
    expect(at('2026-11-04T15:00:00Z')).toBe(true);
    expect(
      allowedAt(timeline, rules, zone, {
        category: 'x',
        at: new Date('2026-11-03T15:00:00Z'),
        now,
        excludePostId: 'a',
      }),
    ).toBe(true);
  });
});
