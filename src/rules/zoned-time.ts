import { DateTime, IANAZone } from 'luxon';

/**
 * Every calendar computation of the rule engine goes through this file: instants are
 * converted to wall clock in the channel's IANA zone with luxon, never with the process
 * zone.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

export interface WallTime extends CalendarDate {
  hour: number;
  minute: number;
}

export interface LocalParts extends WallTime {
  second: number;
  millisecond: number;
  /** 1 = Monday .. 7 = Sunday */
  weekday: number;
}

const zones = new Map<string, IANAZone>();

function ianaZone(name: string): IANAZone {
  let zone = zones.get(name);
  if (!zone) {
    zone = IANAZone.create(name);
    if (!zone.isValid) throw new RangeError(`Unknown time zone: ${name}`);
    zones.set(name, zone);
  }
  return zone;
}

/** UTC offset of the zone at an instant, in milliseconds. */
export function offsetMs(zone: string, ts: number): number {
  return ianaZone(zone).offset(ts) * MINUTE_MS;
}

export function localParts(at: Date | number, zone: string): LocalParts {
  const d = DateTime.fromMillis(typeof at === 'number' ? at : at.getTime(), { zone: ianaZone(zone) });
  return {
    year: d.year,
    month: d.month,
    day: d.day,
    hour: d.hour,
    minute: d.minute,
    second: d.second,
    millisecond: d.millisecond,
    weekday: d.weekday,
  };
}

/** Calendar arithmetic on dates alone (no zone involved). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = DateTime.utc(date.year, date.month, date.day).plus({ days });
  return { year: d.year, month: d.month, day: d.day };
}

export function dateKey(date: CalendarDate): string {
  return DateTime.utc(date.year, date.month, date.day).toISODate() as string;
}

/**
 * The instant at which the zone's wall clock shows `wall`.
 * - Wall time that occurs twice (fall-back overlap): the FIRST occurrence.
 * - Wall time that does not exist (spring-forward gap): the first valid instant after
 *   the gap, i.e. the transition itself (02:30 on 2027-03-28 in Rome -> 03:00 CEST).
 * Done by hand rather than with DateTime.fromObject, whose choice in an overlap depends on
 * the offset at the current time.
 */
export function zonedInstant(wall: WallTime, zone: string): Date {
  const local = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const offsets = [
    ...new Set([offsetMs(zone, local - DAY_MS), offsetMs(zone, local), offsetMs(zone, local + DAY_MS)]),
  ];
  const valid = offsets
    .map((o) => local - o)
    .filter((ts) => offsetMs(zone, ts) === local - ts)
    .sort((a, b) => a - b);
  if (valid.length > 0) return new Date(valid[0]);
  // In a gap: the transition lies in (local - maxOffset, local - minOffset]; find it to the minute.
  let lo = local - Math.max(...offsets);
  let hi = local - Math.min(...offsets);
  const before = offsetMs(zone, lo);
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetMs(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return new Date(hi);
}

export function dayStartOf(date: CalendarDate, zone: string): Date {
  return zonedInstant({ ...date, hour: 0, minute: 0 }, zone);
}

/** The local calendar day containing `at`: [start, next day's start); 23 or 25 hours on DST days. */
export function dayBounds(at: Date | number, zone: string): { key: string; start: Date; end: Date } {
  const p = localParts(at, zone);
  return { key: dateKey(p), start: dayStartOf(p, zone), end: dayStartOf(addDays(p, 1), zone) };
}

/** The ISO week (Monday 00:00 to next Monday 00:00, local) containing `at`. */
export function weekBounds(at: Date | number, zone: string): { start: Date; end: Date } {
  const p = localParts(at, zone);
  const monday = addDays(p, 1 - p.weekday);
  return { start: dayStartOf(monday, zone), end: dayStartOf(addDays(monday, 7), zone) };
}

/** 'HH:mm' -> minutes after midnight. */
export function parseWallClock(value: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) throw new RangeError(`Invalid wall-clock time "${value}" (expected HH:mm)`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

export function ceilToMinute(ts: number): number {
  return Math.ceil(ts / MINUTE_MS) * MINUTE_MS;
}

export function iso(ts: Date | number): string {
  return new Date(ts).toISOString();
}

function fmt(at: Date | number, zone: string, pattern: string): string {
  const ts = typeof at === 'number' ? at : at.getTime();
  return DateTime.fromMillis(ts, { zone: ianaZone(zone) }).setLocale('en-US').toFormat(pattern);
}

/** "Tue 12 Jan" in the channel zone. */
export function formatDay(at: Date | number, zone: string): string {
  return fmt(at, zone, 'ccc d LLL');
}

/** "Tue 12 Jan 09:00" in the channel zone. */
export function formatDayTime(at: Date | number, zone: string): string {
  return fmt(at, zone, 'ccc d LLL HH:mm');
}

/** Calendar days added in the zone (keeps the wall clock across DST). */
export function plusZonedDays(at: Date | number, days: number, zone: string): Date {
  const ts = typeof at === 'number' ? at : at.getTime();
  return DateTime.fromMillis(ts, { zone: ianaZone(zone) }).plus({ days }).toJSDate();
}
