import { DateTime } from 'luxon';
import { DomainError } from '../common/domain-error';
import { toDate } from '../common/validators';

export const MAX_RANGE_DAYS = 400;

export interface Range {
  from: Date;
  to: Date;
}

/** The asked range, or the current month in `zone`; at most MAX_RANGE_DAYS long. */
export function resolveRange(from: string | undefined, to: string | undefined, zone: string, now: Date): Range {
  const start = from ? toDate(from) : DateTime.fromJSDate(now, { zone }).startOf('month').toJSDate();
  const end = to ? toDate(to) : DateTime.fromJSDate(start, { zone }).plus({ months: 1 }).toJSDate();
  if (end <= start) throw DomainError.invalid('to', 'to must be after from');
  if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * 86_400_000) {
    throw DomainError.invalid('to', `a calendar spans at most ${MAX_RANGE_DAYS} days`);
  }
  return { from: start, to: end };
}
