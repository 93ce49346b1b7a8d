import { formatDay, formatDayTime } from './zoned-time';

/** One sentence per violation, phrased for the person who plans the posts, dates in the channel zone. */

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function hours(ms: number): number {
  return Math.round(ms / 360_000) / 10;
}

function minutes(ms: number): number {
  return Math.round(ms / 6_000) / 10;
}

export function categoryLabel(key: string): string {
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

export function maxPostsPerDayMessage(count: number, limit: number, dayStart: Date, zone: string): string {
  const excess = count - limit;
  const which = excess === 1 ? 'one' : String(excess);
  return `Move or drop ${which} of these ${count} posts on ${formatDay(dayStart, zone)}: the channel allows ${limit} a day.`;
}

export function minSpacingMessage(a: Date, b: Date, limitMinutes: number, zone: string): string {
  return (
    `The posts at ${formatDayTime(a, zone)} and ${formatDayTime(b, zone)} are ` +
    `${plural(minutes(b.getTime() - a.getTime()), 'minute', 'minutes')} apart (at least ${limitMinutes}): move one of them.`
  );
}

export function quietHoursMessage(at: Date, start: string, end: string, zone: string): string {
  return `The post at ${formatDayTime(at, zone)} falls in the quiet hours ${start}-${end}: move it to ${end} or later.`;
}

export function maxGapMessage(from: Date, to: Date, limitHours: number, open: boolean, zone: string): string {
  const length = plural(hours(to.getTime() - from.getTime()), 'hour', 'hours');
  if (open) {
    return `No post for ${length} since ${formatDayTime(from, zone)} (at most ${limitHours}): add a post now.`;
  }
  return (
    `No post for ${length} between ${formatDayTime(from, zone)} and ${formatDayTime(to, zone)} ` +
    `(at most ${limitHours}): add a post in between.`
  );
}

export function postsPerWeekMessage(count: number, target: number, weekStart: Date, zone: string): string {
  const planned = count === 0 ? 'No post' : `Only ${plural(count, 'post', 'posts')}`;
  const missing = target - count;
  return (
    `${planned} in the week of ${formatDay(weekStart, zone)}; the channel aims for ${target} a week: ` +
    `add ${missing === 1 ? 'one more' : `${missing} more`}.`
  );
}

export function mixMessage(
  kind: 'max' | 'min',
  category: string,
  count: number,
  total: number,
  limit: number,
  windowDays: number,
  windowEnd: Date,
  zone: string,
  counterweight: string | undefined,
): string {
  const head =
    `${categoryLabel(category)} posts are ${count} of ${total} (${percent(count / total)}) ` +
    `in the ${plural(windowDays, 'day', 'days')} to ${formatDay(windowEnd, zone)}`;
  if (kind === 'max') {
    const add = counterweight ? `${counterweight} posts` : 'posts of other categories';
    return `${head}; keep them at most ${percent(limit)}: change a category or add ${add}.`;
  }
  return `${head}; keep them at least ${percent(limit)}: add ${category} posts or change a category.`;
}
