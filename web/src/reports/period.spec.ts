import { customDays, daysLabel, presetDays } from './period';

describe('presetDays', () => {
  // Wednesday 2 December 2026, 00:30 in Rome (still Tuesday 23:30 in UTC).
  const now = new Date('2026-12-01T23:30:00Z');

  it('takes the last 4 full weeks, Monday to Sunday, in the given zone', () => {
    expect(presetDays('weeks4', now, 'Europe/Rome')).toEqual({ from: '2026-11-02', to: '2026-11-29' });
    expect(presetDays('weeks13', now, 'Europe/Rome')).toEqual({ from: '2026-08-31', to: '2026-11-29' });
  });

  it('counts the days in the zone, not in UTC', () => {
    // In Los Angeles it is still Tuesday 1 December afternoon: the same week.
    expect(presetDays('weeks4', now, 'America/Los_Angeles')).toEqual({ from: '2026-11-02', to: '2026-11-29' });
    // On Monday 30 November at 00:30 in Rome it is Sunday 29 November in UTC: the weeks differ.
    const monday = new Date('2026-11-29T23:30:00Z');
    expect(presetDays('weeks4', monday, 'Europe/Rome')).toEqual({ from: '2026-11-02', to: '2026-11-29' });
    expect(presetDays('weeks4', monday, 'UTC')).toEqual({ from: '2026-10-26', to: '2026-11-22' });
  });

  it('takes the last full calendar month and quarter', () => {
    expect(presetDays('month', now, 'Europe/Rome')).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(presetDays('quarter', now, 'Europe/Rome')).toEqual({ from: '2026-07-01', to: '2026-09-30' });
    // 31 December 23:30 UTC is already January in Rome: December is the last full month.
    const newYear = new Date('2026-12-31T23:30:00Z');
    expect(presetDays('month', newYear, 'Europe/Rome')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
    expect(presetDays('month', newYear, 'UTC')).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(presetDays('quarter', newYear, 'Europe/Rome')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
  });
});

describe('customDays', () => {
  it('accepts a period of up to 366 days, the last day included', () => {
    expect(customDays('2026-01-01', '2026-01-01')).toEqual({ from: '2026-01-01', to: '2026-01-01' });
    expect(customDays('2024-01-01', '2024-12-31')).toEqual({ from: '2024-01-01', to: '2024-12-31' });
  });

  it('refuses what the API would refuse, with a sentence', () => {
    expect(customDays('', '2026-01-01')).toEqual({ problem: 'Pick both days, from and to.' });
    expect(customDays('2026-02-30', '2026-03-01')).toEqual({ problem: 'Pick both days, from and to.' });
    expect(customDays('2026-03-02', '2026-03-01')).toEqual({ problem: 'The period ends before it starts.' });
    expect(customDays('2024-01-01', '2025-01-01')).toEqual({
      problem: 'A report covers at most 366 days; this one has 367.',
    });
  });
});

describe('daysLabel', () => {
  it('names the days, with the year once when both share it', () => {
    expect(daysLabel({ from: '2026-11-02', to: '2026-11-29' })).toBe('2 Nov – 29 Nov 2026');
    expect(daysLabel({ from: '2026-12-28', to: '2027-01-03' })).toBe('28 Dec 2026 – 3 Jan 2027');
  });
});
