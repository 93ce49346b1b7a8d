import { DateTime } from 'luxon';

/** The periods the Reports view offers; `custom` takes a from/to the member picks. */
export type PeriodPreset = 'weeks4' | 'weeks13' | 'month' | 'quarter' | 'custom';

export const PRESET_LABEL: Record<PeriodPreset, string> = {
  weeks4: 'Last 4 weeks',
  weeks13: 'Last 13 weeks',
  month: 'Last month',
  quarter: 'Last quarter',
  custom: 'Custom…',
};

/** Days `from`..`to` (inclusive, ISO dates) in a zone: what the report API takes. */
export interface Days {
  from: string;
  to: string;
}

/** As the API refuses a longer report. */
export const MAX_DAYS = 366;

/**
 * The days a preset means at `now` in `zone` (the channel's, or the workspace's for the
 * overview): full weeks Monday to Sunday before the current week, or the last full calendar
 * month or quarter. Never the current, unfinished week, month or quarter.
 */
export function presetDays(preset: Exclude<PeriodPreset, 'custom'>, now: Date, zone: string): Days {
  const here = DateTime.fromJSDate(now, { zone });
  const iso = (d: DateTime) => d.toISODate()!;
  if (preset === 'weeks4' || preset === 'weeks13') {
    const weeks = preset === 'weeks4' ? 4 : 13;
    const monday = here.startOf('week'); // luxon's weeks start on Monday
    return { from: iso(monday.minus({ weeks })), to: iso(monday.minus({ days: 1 })) };
  }
  const unit = preset === 'month' ? 'month' : 'quarter';
  const current = here.startOf(unit);
  const previous = current.minus(unit === 'month' ? { months: 1 } : { months: 3 });
  return { from: iso(previous), to: iso(current.minus({ days: 1 })) };
}

/** A custom period checked as the API checks it: a problem sentence, or the days. */
export function customDays(from: string, to: string): Days | { problem: string } {
  const a = DateTime.fromISO(from, { zone: 'UTC' });
  const b = DateTime.fromISO(to, { zone: 'UTC' });
  if (!from || !to || !a.isValid || !b.isValid || !/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to))
    return { problem: 'Pick both days, from and to.' };
  if (b < a) return { problem: 'The period ends before it starts.' };
  const days = b.diff(a, 'days').days + 1;
  if (days > MAX_DAYS) return { problem: `A report covers at most ${MAX_DAYS} days; this one has ${days}.` };
  return { from, to };
}

/** "2 Nov – 29 Nov 2026" (or across years, "28 Dec 2026 – 3 Jan 2027"). */
export function daysLabel(days: Days): string {
  const a = DateTime.fromISO(days.from);
  const b = DateTime.fromISO(days.to);
  return a.year === b.year
    ? `${a.toFormat('d LLL')} – ${b.toFormat('d LLL yyyy')}`
    : `${a.toFormat('d LLL yyyy')} – ${b.toFormat('d LLL yyyy')}`;
}
