import { dayBounds, weekBounds, zonedInstant } from './zoned-time';

const HOUR = 3_600_000;

describe('local days and ISO weeks in the channel zone', () => {
  it.each([
    ['Europe/Rome', '2027-03-28T12:00:00+02:00', '2027-03-27T23:00:00.000Z', 23],
    ['Europe/Rome', '2027-10-31T12:00:00+01:00', '2027-10-30T22:00:00.000Z', 25],
    ['America/New_York', '2027-03-14T12:00:00-04:00', '2027-03-14T05:00:00.000Z', 23],
    ['Australia/Lord_Howe', '2027-04-04T12:00:00+10:30', '2027-04-03T13:00:00.000Z', 24.5],
    ['Australia/Lord_Howe', '2027-10-03T12:00:00+11:00', '2027-10-02T13:30:00.000Z', 23.5],
    ['America/Santiago', '2027-04-03T12:00:00-03:00', '2027-04-03T03:00:00.000Z', 25],
    // Clocks jump from 00:00 to 01:00: the day starts at 01:00.
    ['America/Santiago', '2027-09-05T12:00:00-03:00', '2027-09-05T04:00:00.000Z', 23],
  ])('%s: the day of %s starts at %s and lasts %d hours', (zone, at, start, hours) => {
    const day = dayBounds(new Date(at), zone);
    expect(day.start.toISOString()).toBe(start);
    expect((day.end.getTime() - day.start.getTime()) / HOUR).toBe(hours);
  });

  it.each([
    ['Europe/Rome', '2027-03-28T12:00:00+02:00', '2027-03-21T23:00:00.000Z', 167],
    ['Europe/Rome', '2027-10-31T12:00:00+01:00', '2027-10-24T22:00:00.000Z', 169],
    ['America/New_York', '2027-03-14T12:00:00-04:00', '2027-03-08T05:00:00.000Z', 167],
    ['Australia/Lord_Howe', '2027-04-04T12:00:00+10:30', '2027-03-28T13:00:00.000Z', 168.5],
    ['Australia/Lord_Howe', '2027-10-03T12:00:00+11:00', '2027-09-26T13:30:00.000Z', 167.5],
    ['America/Santiago', '2027-04-04T12:00:00-04:00', '2027-03-29T03:00:00.000Z', 169],
    ['America/Santiago', '2027-09-05T12:00:00-03:00', '2027-08-30T04:00:00.000Z', 167],
  ])('%s: the ISO week of %s starts on Monday at %s and lasts %d hours', (zone, at, start, hours) => {
    const week = weekBounds(new Date(at), zone);
    expect(week.start.toISOString()).toBe(start);
    expect((week.end.getTime() - week.start.getTime()) / HOUR).toBe(hours);
  });

  it('puts the last minute of Sunday in the week and Monday 00:00 in the next one', () => {
    const sunday = weekBounds(new Date('2027-03-28T23:59:00+02:00'), 'Europe/Rome');
    const monday = weekBounds(new Date('2027-03-29T00:00:00+02:00'), 'Europe/Rome');
    expect(sunday.end.toISOString()).toBe('2027-03-28T22:00:00.000Z');
    expect(monday.start.toISOString()).toBe('2027-03-28T22:00:00.000Z');
  });

  it('maps a wall time in a DST gap to the end of the gap and one in an overlap to its first occurrence', () => {
    const wall = { year: 2027, month: 3, day: 28, hour: 2, minute: 30 };
    expect(zonedInstant(wall, 'Europe/Rome').toISOString()).toBe('2027-03-28T01:00:00.000Z');
    expect(zonedInstant({ ...wall, month: 10, day: 31 }, 'Europe/Rome').toISOString()).toBe('2027-10-31T00:30:00.000Z');
    expect(zonedInstant({ ...wall, month: 10, day: 3, hour: 2, minute: 10 }, 'Australia/Lord_Howe').toISOString()).toBe(
      '2027-10-02T15:30:00.000Z',
    );
  });

  it('rejects an unknown zone', () => {
    expect(() => dayBounds(new Date(), 'Mars/Olympus')).toThrow(/Unknown time zone/);
  });
});
