import { DateTime } from 'luxon';

/** A report's days in a zone: `from`..`to` inclusive, and the instants [start, end) they cover. */
export interface ZonedPeriod {
  from: string;
  to: string;
  start: Date;
  end: Date;
  days: number;
}

export const MAX_REPORT_DAYS = 366;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class ReportPeriodError extends Error {
  constructor(
    readonly field: 'from' | 'to',
    message: string,
  ) {
    super(message);
  }
}

function day(value: string, field: 'from' | 'to', zone: string): DateTime {
  const d = DAY.test(value) ? DateTime.fromISO(value, { zone }) : null;
  if (!d || !d.isValid) throw new ReportPeriodError(field, `${field} must be a day such as 2026-11-02`);
  return d.startOf('day');
}

export function zonedPeriod(from: DateTime, to: DateTime): ZonedPeriod {
  const start = from.startOf('day');
  const end = to.plus({ days: 1 }).startOf('day');
  return {
    from: start.toISODate()!,
    to: to.toISODate()!,
    start: start.toJSDate(),
    end: end.toJSDate(),
    days: Math.round(end.diff(start, 'days').days),
  };
}

/**
 * The period asked for, in `zone`: both days given, or the last 4 full weeks (Monday to
 * Sunday) before the week of `now` when both are absent. Throws ReportPeriodError for a bad
 * day, one bound without the other, `to` before `from`, or more than 366 days.
 */
export function resolvePeriod(query: { from?: string; to?: string }, zone: string, now: Date): ZonedPeriod {
  if (query.from === undefined && query.to === undefined) {
    const monday = DateTime.fromJSDate(now, { zone }).startOf('week');
    return zonedPeriod(monday.minus({ weeks: 4 }), monday.minus({ days: 1 }));
  }
  if (query.from === undefined) throw new ReportPeriodError('from', 'from is required when to is given');
  if (query.to === undefined) throw new ReportPeriodError('to', 'to is required when from is given');
  const from = day(query.from, 'from', zone);
  const to = day(query.to, 'to', zone);
  if (to < from) throw new ReportPeriodError('to', 'to must not be before from');
  const period = zonedPeriod(from, to);
  if (period.days > MAX_REPORT_DAYS)
    throw new ReportPeriodError('to', `a report covers at most ${MAX_REPORT_DAYS} days`);
  return period;
}

/** The period of the same number of days just before `p`. */
export function previousPeriod(p: ZonedPeriod, zone: string): ZonedPeriod {
  const from = DateTime.fromISO(p.from, { zone });
  return zonedPeriod(from.minus({ days: p.days }), from.minus({ days: 1 }));
}

/** The same days in another zone (the workspace report's channels). */
export function periodInZone(p: Pick<ZonedPeriod, 'from' | 'to'>, zone: string): ZonedPeriod {
  return zonedPeriod(DateTime.fromISO(p.from, { zone }), DateTime.fromISO(p.to, { zone }));
}
