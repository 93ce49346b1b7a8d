import { TimelineEntry } from './rule.types';

/** Posts in time order; equal instants ordered by id so that every result is deterministic. */
export function sortTimeline(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  const n = timeline.length;
  const times = new Array<number>(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    times[i] = timeline[i].at.getTime();
    if (sorted && i > 0 && compareAt(times[i - 1], timeline[i - 1], times[i], timeline[i]) > 0) sorted = false;
  }
  if (sorted) return timeline.slice();
  // Instants read once per post, not twice per comparison.
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => compareAt(times[a], timeline[a], times[b], timeline[b]));
  return order.map((i) => timeline[i]);
}

function compareAt(ta: number, a: TimelineEntry, tb: number, b: TimelineEntry): number {
  return ta - tb || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  return a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Index of the first post at or after `ts` in a sorted timeline. */
export function firstAtOrAfter(posts: readonly TimelineEntry[], ts: number): number {
  let lo = 0;
  let hi = posts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (posts[mid].at.getTime() < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first post strictly after `ts` in a sorted timeline. */
export function firstAfter(posts: readonly TimelineEntry[], ts: number): number {
  let lo = 0;
  let hi = posts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (posts[mid].at.getTime() <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Posts with from <= at < to. */
export function postsBetween(posts: readonly TimelineEntry[], from: number, to: number): TimelineEntry[] {
  return posts.slice(firstAtOrAfter(posts, from), firstAtOrAfter(posts, to));
}

/**
 * The slice of a sorted timeline the service loads for a range: the posts in [from, to)
 * plus the nearest post before `from` and the nearest at or after `to` (gaps reach them).
 */
export function sliceForRange(posts: readonly TimelineEntry[], from: number, to: number): TimelineEntry[] {
  const start = Math.max(0, firstAtOrAfter(posts, from) - 1);
  const end = Math.min(posts.length, firstAtOrAfter(posts, to) + 1);
  return posts.slice(start, end);
}
