import { QuietHours, TimelineEntry, Violation } from './rule.types';
import { RuleContext, round2, violation } from './rule-context';
import { maxPostsPerDayMessage, minSpacingMessage, postsPerWeekMessage, quietHoursMessage } from './messages';
import { postsBetween } from './timeline';
import {
  LocalParts,
  MINUTE_MS,
  addDays,
  dayBounds,
  localDayNumber,
  localParts,
  parseWallClock,
  weekBounds,
  zonedInstant,
} from './zoned-time';

/** The rules of the cadence, except maxGap (gaps.ts). Every function takes a sorted timeline. */

export function maxPostsPerDayViolations(posts: TimelineEntry[], limit: number, ctx: RuleContext): Violation[] {
  if (posts.length <= limit) return [];
  // Posts by local day number (in the order days are first met, as the violations come out).
  const days = new Map<number, TimelineEntry[]>();
  let lastKey = NaN;
  let lastDay: TimelineEntry[] = [];
  for (const post of posts) {
    const key = localDayNumber(post.at.getTime(), ctx.zone);
    if (key !== lastKey) {
      const day = days.get(key);
      if (day) lastDay = day;
      else days.set(key, (lastDay = []));
      lastKey = key;
    }
    lastDay.push(post);
  }
  const out: Violation[] = [];
  for (const day of days.values()) {
    if (day.length <= limit) continue;
    const { start, end } = dayBounds(day[0].at, ctx.zone);
    out.push(
      violation(
        ctx,
        'maxPostsPerDay',
        maxPostsPerDayMessage(day.length, limit, start, ctx.zone),
        day.map((p) => p.id),
        start.getTime(),
        end.getTime(),
        day.length,
        limit,
      ),
    );
  }
  return out;
}

export function minSpacingViolations(posts: TimelineEntry[], limitMinutes: number, ctx: RuleContext): Violation[] {
  const out: Violation[] = [];
  for (let i = 1; i < posts.length; i++) {
    const a = posts[i - 1];
    const b = posts[i];
    const spacing = b.at.getTime() - a.at.getTime();
    if (spacing >= limitMinutes * MINUTE_MS) continue;
    out.push(
      violation(
        ctx,
        'minSpacing',
        minSpacingMessage(a.at, b.at, limitMinutes, ctx.zone),
        [a.id, b.id],
        a.at.getTime(),
        b.at.getTime(),
        round2(spacing / MINUTE_MS),
        limitMinutes,
      ),
    );
  }
  return out;
}

/** A parsed quiet-hours window: minutes after midnight; null when start === end (no quiet hours). */
interface QuietWindow {
  s: { hour: number; minute: number };
  e: { hour: number; minute: number };
  startMin: number;
  endMin: number;
}

function parseQuiet(quiet: QuietHours): QuietWindow | null {
  const s = parseWallClock(quiet.start);
  const e = parseWallClock(quiet.end);
  const startMin = s.hour * 60 + s.minute;
  const endMin = e.hour * 60 + e.minute;
  return startMin === endMin ? null : { s, e, startMin, endMin };
}

/** Days from the local date of `p` to the start and the end of its occurrence, or null outside quiet hours. */
function quietDays(p: LocalParts, q: QuietWindow): [number, number] | null {
  const m = p.hour * 60 + p.minute + (p.second + p.millisecond / 1000) / 60;
  if (q.startMin < q.endMin) return m < q.startMin || m >= q.endMin ? null : [0, 0];
  if (m >= q.startMin) return [0, 1];
  if (m < q.endMin) return [-1, 0];
  return null;
}

/**
 * The quiet-hours occurrence containing `at`, as instants, or null when `at` is outside
 * quiet hours. The window is [start, end) on the wall clock; when start > end it spans
 * midnight; start === end means no quiet hours. Boundaries that fall in a DST gap or overlap
 * follow zonedInstant (first valid instant after a gap, first occurrence in an overlap).
 */
export function quietOccurrence(at: Date | number, quiet: QuietHours, zone: string): { start: Date; end: Date } | null {
  const q = parseQuiet(quiet);
  if (!q) return null;
  const p = localParts(at, zone);
  const days = quietDays(p, q);
  if (!days) return null;
  return {
    start: zonedInstant({ ...addDays(p, days[0]), ...q.s }, zone),
    end: zonedInstant({ ...addDays(p, days[1]), ...q.e }, zone),
  };
}

/** One violation per post in quiet hours; from = to = the post's instant. */
export function quietHoursViolations(posts: TimelineEntry[], quiet: QuietHours, ctx: RuleContext): Violation[] {
  const out: Violation[] = [];
  // Parsed only when there is a post to judge (as before: bad rules fail on the first post).
  const q = posts.length > 0 ? parseQuiet(quiet) : null;
  if (!q) return out;
  for (const post of posts) {
    if (!quietDays(localParts(post.at, ctx.zone), q)) continue;
    out.push(
      violation(
        ctx,
        'quietHours',
        quietHoursMessage(post.at, quiet.start, quiet.end, ctx.zone),
        [post.id],
        post.at.getTime(),
        post.at.getTime(),
      ),
    );
  }
  return out;
}

/**
 * Which ISO weeks postsPerWeek looks at. With `from`/`to`: the weeks fully inside
 * [from, to). Without `from`: starting with the week of now. Without `to`: up to the week
 * of `lastPost` (none when there is no post). In every case only weeks that end after now:
 * a week entirely in the past is inactivity, not a broken plan.
 */
export interface WeekSpan {
  from?: number;
  to?: number;
  lastPost?: number;
}

export function weeksToCheck(span: WeekSpan, now: number, zone: string): Array<{ start: number; end: number }> {
  const nowWeek = weekBounds(now, zone);
  let start = nowWeek.start.getTime();
  if (span.from !== undefined) {
    const first = weekBounds(span.from, zone);
    start = Math.max(start, first.start.getTime() < span.from ? first.end.getTime() : first.start.getTime());
  }
  const weeks: Array<{ start: number; end: number }> = [];
  for (;;) {
    const week = weekBounds(start, zone);
    const w = { start: week.start.getTime(), end: week.end.getTime() };
    if (span.to !== undefined ? w.end > span.to : span.lastPost === undefined || w.start > span.lastPost) break;
    weeks.push(w);
    start = w.end;
  }
  return weeks;
}

export function postsPerWeekViolations(
  posts: TimelineEntry[],
  target: number,
  span: WeekSpan,
  ctx: RuleContext,
): Violation[] {
  const out: Violation[] = [];
  for (const week of weeksToCheck(span, ctx.now, ctx.zone)) {
    const inWeek = postsBetween(posts, week.start, week.end);
    if (inWeek.length >= target) continue;
    out.push(
      violation(
        ctx,
        'postsPerWeek',
        postsPerWeekMessage(inWeek.length, target, new Date(week.start), ctx.zone),
        inWeek.map((p) => p.id),
        week.start,
        week.end,
        inWeek.length,
        target,
      ),
    );
  }
  return out;
}
