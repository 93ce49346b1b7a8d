import { slotInstants } from './slots';

const iso = (ds: Date[]): string[] => ds.map((d) => d.toISOString());

describe('slotInstants', () => {
  it('lists weekly slots in [from, to) in order, on the wall clock of the zone', () => {
    const slots = [
      { weekday: 3, time: '18:00' },
      { weekday: 1, time: '09:00' },
    ];
    const got = slotInstants(slots, 'Europe/Rome', new Date('2027-01-11T08:00:00Z'), new Date('2027-01-18T08:00:00Z'));
    expect(iso(got)).toEqual(['2027-01-11T08:00:00.000Z', '2027-01-13T17:00:00.000Z']);
  });

  it('keeps the wall-clock time across a DST change (Rome, New York)', () => {
    const sunday = [{ weekday: 7, time: '10:00' }];
    expect(
      iso(slotInstants(sunday, 'Europe/Rome', new Date('2027-03-20T00:00:00Z'), new Date('2027-04-05T00:00:00Z'))),
    ).toEqual(['2027-03-21T09:00:00.000Z', '2027-03-28T08:00:00.000Z', '2027-04-04T08:00:00.000Z']);
    const monday = [{ weekday: 1, time: '09:00' }];
    expect(
      iso(slotInstants(monday, 'America/New_York', new Date('2027-03-08T00:00:00Z'), new Date('2027-03-16T00:00:00Z'))),
    ).toEqual(['2027-03-08T14:00:00.000Z', '2027-03-15T13:00:00.000Z']);
  });

  it.each([
    // Spring-forward gaps: the first valid instant after the gap.
    ['Europe/Rome', 7, '02:30', '2027-03-27T00:00:00Z', '2027-03-28T01:00:00.000Z'], // 03:00 CEST
    ['America/New_York', 7, '02:15', '2027-03-13T00:00:00Z', '2027-03-14T07:00:00.000Z'], // 03:00 EDT
    ['Australia/Lord_Howe', 7, '02:10', '2027-10-02T00:00:00Z', '2027-10-02T15:30:00.000Z'], // 02:30 +11
    ['America/Santiago', 7, '00:30', '2027-09-04T12:00:00Z', '2027-09-05T04:00:00.000Z'], // 01:00 -03
    // Fall-back overlaps: the first occurrence.
    ['Europe/Rome', 7, '02:30', '2027-10-30T00:00:00Z', '2027-10-31T00:30:00.000Z'], // 02:30 CEST
    ['Australia/Lord_Howe', 7, '01:45', '2027-04-03T00:00:00Z', '2027-04-03T14:45:00.000Z'], // 01:45 +11
    ['America/Santiago', 6, '23:30', '2027-04-03T12:00:00Z', '2027-04-04T02:30:00.000Z'], // 23:30 -03
  ])('%s: slot on weekday %d at %s after %s falls at %s', (zone, weekday, time, from, expected) => {
    const [first] = slotInstants(
      [{ weekday, time }],
      zone,
      new Date(from),
      new Date(Date.parse(from) + 7 * 86_400_000),
    );
    expect(first.toISOString()).toBe(expected);
  });

  it('lists two slots that fall in the same DST gap once', () => {
    const slots = [
      { weekday: 7, time: '02:00' },
      { weekday: 7, time: '02:30' },
    ];
    expect(
      iso(slotInstants(slots, 'Europe/Rome', new Date('2027-03-27T00:00:00Z'), new Date('2027-03-29T00:00:00Z'))),
    ).toEqual(['2027-03-28T01:00:00.000Z']);
  });

  it('rejects a bad weekday or time', () => {
    const range = [new Date('2027-01-01T00:00:00Z'), new Date('2027-01-08T00:00:00Z')] as const;
    expect(() => slotInstants([{ weekday: 0, time: '09:00' }], 'UTC', ...range)).toThrow(/weekday/);
    expect(() => slotInstants([{ weekday: 1, time: '9:00' }], 'UTC', ...range)).toThrow(/HH:mm/);
  });
});
