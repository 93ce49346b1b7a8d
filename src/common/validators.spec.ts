import { isInstant, toDate } from './validators';

describe('isInstant and toDate', () => {
  it('accept an ISO 8601 instant with an offset or Z, and refuse anything else', () => {
    for (const ok of [
      '2027-03-29T09:00:00+02:00',
      '2027-03-29T09:00Z',
      '2027-03-29T07:00:00.123456789z',
      '2027-03-29T09:00:00+0200',
    ]) {
      expect(isInstant(ok)).toBe(true);
    }
    for (const bad of [
      '2027-03-29T09:00:00',
      '2027-03-29',
      '2027-02-30T09:00:00Z',
      '2027-03-29T25:00:00Z',
      ' 2027-03-29T09:00:00Z',
      `2027-03-29T09:00:00.${'1'.repeat(40)}Z`,
      42,
      null,
    ]) {
      expect(isInstant(bad)).toBe(false);
    }
  });

  it('give the named instant every time, however many texts came between', () => {
    const text = '2027-03-29T09:00:00+02:00';
    expect(toDate(text).toISOString()).toBe('2027-03-29T07:00:00.000Z');
    // A caller that changes its Date changes nobody else's.
    toDate(text).setUTCFullYear(1999);
    expect(toDate(text).toISOString()).toBe('2027-03-29T07:00:00.000Z');
    // 1,380 texts: more than are kept.
    for (let minute = 0; minute < 23 * 60; minute++) {
      const local = `2027-01-01T${String(Math.floor(minute / 60) + 1).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00+01:00`;
      expect(toDate(local).getTime()).toBe(Date.UTC(2027, 0, 1, 0, minute));
    }
    expect(toDate(text).toISOString()).toBe('2027-03-29T07:00:00.000Z');
    expect(isInstant('2027-02-30T09:00:00Z')).toBe(false);
    expect(Number.isNaN(toDate('not an instant').getTime())).toBe(true);
  });
});
