import { QuietHours, TimelineEntry, Violation } from './rule.types';
import { RuleContext, round2, violation } from './rule-context';
import { maxPostsPerDayMessage, minSpacingMessage, postsPerWeekMessage, quietHoursMessage } from './messages';
import { postsBetween } from './timeline';
import {
  MINUTE_MS,
  addDays,
  dateKey,
  dayBounds,
  localParts,
  parseWallClock,
  weekBounds,
  zonedInstant,
} from './zoned-time';

/** The rules of the cadence, except maxGap (gaps.ts). Every function takes a sorted timeline. */

export function maxPostsPerDayViolations(posts: TimelineEntry[], limit: number, ctx: RuleContext): Violation[] {
  const days = new Map<string, TimelineEntry[]>();
  for (const post of posts) {
    const key = dateKey(localParts(post.at, ctx.zone));
    const day = days.get(key);
    if (day) day.push(post);
    else days.set(key, [post]);
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

/**
 * The quiet-hours occurrence containing `at`, as instants, or null when `at` is outside
 * quiet hours. The window is [start, end) on the wall clock; when start > end it spans
 * midnight; start === end means no quiet hours. Boundaries that fall in a DST gap or overlap
 * follow zonedInstant (first valid instant after a gap, first occurrence in an overlap).
 */
export function quietOccurrence(at: Date | number, quiet: QuietHours, zone: string): { start: Date; end: Date } | null {
  const s = parseWallClock(quiet.start);
  const e = parseWallClock(quiet.end);
  const startMin = s.hour * 60 + s.minute;
  const endMin = e.hour * 60 + e.minute;
  if (startMin === endMin) return null;
  const p = localParts(at, zone);
  const m = p.hour * 60 + p.minute + (p.second + p.millisecond / 1000) / 60;
  let startDay = 0;
  let endDay = 0;
  if (startMin < endMin) {
    if (m < startMin || m >= endMin) return null;
  } else if (m >= startMin) {
    endDay = 1;
  } else if (m < endMin) {
    startDay = -1;
  } else {
    return null;
  }
  return {
    start: zonedInstant({ ...addDays(p, startDay), ...s }, zone),
    end: zonedInstant({ ...addDays(p, endDay), ...e }, zone),
  };
}

/** One violation per post in quiet hours; from = to = the post's instant. */
export function quietHoursViolations(posts: TimelineEntry[], quiet: QuietHours, ctx: RuleContext): Violation[] {
  const out: Violation[] = [];
  for (const post of posts) {
    const occurrence = quietOccurrence(post.at, quiet, ctx.zone);
    if (!occurrence) continue;
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
