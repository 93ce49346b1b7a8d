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

/**
 * Offsets without Intl in the hot path. luxon's IANAZone.offset (Intl formatToParts, some
 * 5-25 us a call) is asked only to build a per-zone table of the spans of constant offset,
 * a block of BLOCK_DAYS days at a time: the offset is sampled once a day, and where two
 * samples differ the transition is bisected to the second (luxon's offset is that of the
 * instant truncated to the second, so it is constant between whole-second transitions).
 * After that every offset is a table lookup, identical to luxon's answer.
 *
 * Assumption: a zone does not change its offset and change it back within one day (an
 * offset that lasts less than a day between two samples would be missed). Several different
 * changes within a day are found one after the other.
 */
const BLOCK_DAYS = 8;
const BLOCK_MS = BLOCK_DAYS * DAY_MS;
/** Beyond this the table is not used (Date's range is +-8.64e15 ms). */
const TABLE_LIMIT = 8.64e15 - 2 * BLOCK_MS;
/** Blocks kept per zone before the table is dropped and rebuilt (about 1,000 years). */
const MAX_BLOCKS = 50_000;

interface OffsetSpan {
  from: number;
  to: number;
  /** Minutes, exactly as luxon's IANAZone.offset returns them. */
  minutes: number;
}

class ZoneOffsets {
  private readonly blocks = new Map<number, OffsetSpan[]>();
  private last: OffsetSpan = { from: 0, to: 0, minutes: 0 };

  constructor(private readonly zone: IANAZone) {}

  minutes(ts: number): number {
    const last = this.last;
    if (ts >= last.from && ts < last.to) return last.minutes;
    if (!(ts > -TABLE_LIMIT && ts < TABLE_LIMIT)) return this.zone.offset(ts);
    const k = Math.floor(ts / BLOCK_MS);
    let spans = this.blocks.get(k);
    if (spans === undefined) {
      if (this.blocks.size >= MAX_BLOCKS) this.blocks.clear();
      spans = this.build(k);
      this.blocks.set(k, spans);
    }
    for (const span of spans) {
      if (ts < span.to) {
        this.last = span;
        return span.minutes;
      }
    }
    return this.zone.offset(ts);
  }

  private build(k: number): OffsetSpan[] {
    const a = k * BLOCK_MS;
    const spans: OffsetSpan[] = [];
    let cur = a;
    let curMinutes = this.zone.offset(a);
    for (let i = 1; i <= BLOCK_DAYS; i++) {
      const sample = a + i * DAY_MS;
      const sampleMinutes = this.zone.offset(sample);
      // No table where luxon has no offset: minutes() then asks luxon directly.
      if (Number.isNaN(sampleMinutes) || Number.isNaN(curMinutes)) return [];
      // Invariant: offset(cur) === curMinutes; find each change up to the sample.
      while (sampleMinutes !== curMinutes) {
        let lo = cur;
        let hi = sample;
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (this.zone.offset(mid) === curMinutes) lo = mid;
          else hi = mid;
        }
        spans.push({ from: cur, to: hi, minutes: curMinutes });
        cur = hi;
        curMinutes = this.zone.offset(hi);
        if (Number.isNaN(curMinutes)) return [];
      }
    }
    spans.push({ from: cur, to: a + BLOCK_MS, minutes: curMinutes });
    return spans;
  }
}

const offsetTables = new Map<string, ZoneOffsets>();

function offsetTable(name: string): ZoneOffsets {
  let table = offsetTables.get(name);
  if (!table) {
    table = new ZoneOffsets(ianaZone(name));
    offsetTables.set(name, table);
  }
  return table;
}

/** UTC offset of the zone at an instant, in minutes (luxon's IANAZone.offset). */
export function offsetMinutes(zone: string, ts: number): number {
  return offsetTable(zone).minutes(ts);
}

/** UTC offset of the zone at an instant, in milliseconds. */
export function offsetMs(zone: string, ts: number): number {
  return offsetTable(zone).minutes(ts) * MINUTE_MS;
}

/** The local wall clock as a UTC timestamp (what luxon computes for a DateTime's fields). */
function wallClockTs(ts: number, zone: string): number {
  return ts + offsetTable(zone).minutes(ts) * 60 * 1000;
}

/**
 * The local calendar day of an instant as a day number (days since 1970-01-01), the same
 * day as localParts(at, zone) gives.
 */
export function localDayNumber(ts: number, zone: string): number {
  // new Date(x) truncates a fractional x toward zero: do the same.
  return Math.floor(Math.trunc(wallClockTs(ts, zone)) / DAY_MS);
}

export function localParts(at: Date | number, zone: string): LocalParts {
  const ts = typeof at === 'number' ? at : at.getTime();
  const d = new Date(wallClockTs(ts, zone));
  const weekday = d.getUTCDay();
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    weekday: weekday === 0 ? 7 : weekday,
  };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (any year; H. Hinnant's days_from_civil). */
export function dayNumber(date: CalendarDate): number {
  const y = date.year - (date.month <= 2 ? 1 : 0);
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = date.month > 2 ? date.month - 3 : date.month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + date.day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The date of a day number (civil_from_days). */
export function dateOfDayNumber(n: number): CalendarDate {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Calendar arithmetic on dates alone (no zone involved). */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  return dateOfDayNumber(dayNumber(date) + days);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function dateKey(date: CalendarDate): string {
  if (date.year >= 0 && date.year <= 9999) return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
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
  return new Date(zonedTs(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute), zone));
}

/** zonedInstant of a wall clock given as a UTC timestamp (Date.UTC of its fields). */
function zonedTs(local: number, zone: string): number {
  const table = offsetTable(zone);
  // The distinct offsets around the wall time; the earliest instant that shows it wins.
  const o1 = table.minutes(local - DAY_MS) * MINUTE_MS;
  const o2 = table.minutes(local) * MINUTE_MS;
  const o3 = table.minutes(local + DAY_MS) * MINUTE_MS;
  let best = NaN;
  for (const o of o2 === o1 ? (o3 === o1 ? [o1] : [o1, o3]) : o3 === o1 || o3 === o2 ? [o1, o2] : [o1, o2, o3]) {
    const ts = local - o;
    if (table.minutes(ts) * MINUTE_MS === local - ts && !(ts >= best)) best = ts;
  }
  if (!Number.isNaN(best)) return best;
  // In a gap: the transition lies in (local - maxOffset, local - minOffset]; find it to the minute.
  let lo = local - Math.max(o1, o2, o3);
  let hi = local - Math.min(o1, o2, o3);
  const before = table.minutes(lo) * MINUTE_MS;
  while (hi - lo > MINUTE_MS) {
    // At least one minute: with a gap that is not a whole number of minutes (LMT offsets with
    // seconds) a zero step would loop forever; where the step was already >= 1, nothing changes.
    const mid = lo + Math.max(1, Math.floor((hi - lo) / 2 / MINUTE_MS)) * MINUTE_MS;
    if (table.minutes(mid) * MINUTE_MS === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

const dayStarts = new Map<string, Map<number, number>>();

/** Local midnight of a date (zonedInstant), remembered per zone and day. */
export function dayStartOf(date: CalendarDate, zone: string): Date {
  const n = dayNumber(date);
  const starts = dayStarts.get(zone);
  let ts = starts?.get(n);
  if (ts === undefined) {
    ts = zonedTs(Date.UTC(date.year, date.month - 1, date.day, 0, 0), zone);
    if (!starts) dayStarts.set(zone, new Map([[n, ts]]));
    else {
      if (starts.size >= 100_000) starts.clear();
      starts.set(n, ts);
    }
  }
  return new Date(ts);
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

// What luxon's toFormat gives for 'ccc' and 'LLL' in en-US (its built-in English names).
const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function dayLabel(p: LocalParts): string {
  return `${WEEKDAY_NAMES[p.weekday - 1]} ${p.day} ${MONTH_NAMES[p.month - 1]}`;
}

/** "Tue 12 Jan" in the channel zone. */
export function formatDay(at: Date | number, zone: string): string {
  return dayLabel(localParts(at, zone));
}

/** "Tue 12 Jan 09:00" in the channel zone. */
export function formatDayTime(at: Date | number, zone: string): string {
  const p = localParts(at, zone);
  return `${dayLabel(p)} ${pad(p.hour, 2)}:${pad(p.minute, 2)}`;
}

/** Calendar days added in the zone (keeps the wall clock across DST). */
export function plusZonedDays(at: Date | number, days: number, zone: string): Date {
  const ts = typeof at === 'number' ? at : at.getTime();
  return DateTime.fromMillis(ts, { zone: ianaZone(zone) })
    .plus({ days })
    .toJSDate();
}
