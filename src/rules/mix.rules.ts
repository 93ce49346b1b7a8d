import { MixRules, TimelineEntry, Violation } from './rule.types';
import { RuleContext, violation } from './rule-context';
import { mixMessage } from './messages';
import { DAY_MS } from './zoned-time';

/**
 * Content mix over rolling windows (t - windowDays, t], one window ending at each post
 * (posts at the same instant share one window).
 *
 * Decision: the window is windowDays x 24 hours of real time, not calendar days, so the
 * rolling share does not jump at a DST change and the instants at which a window gains or
 * loses a post are exact (nextSlot jumps over them). On the wall clock the window start
 * moves by the DST shift for windows that span a change.
 */

export type MixKind = 'max' | 'min';

/** A sorted timeline with, per limited category, prefix counts: category posts among posts[0..i). */
export interface MixIndex {
  posts: TimelineEntry[];
  times: number[];
  prefix: Map<string, Int32Array>;
}

/** The window (end - W, end] holds posts[lo..hi). */
export interface MixWindow {
  end: number;
  lo: number;
  hi: number;
}

/** Decides whether a violating window is reported (checkChange keeps only windows the change made worse). */
export type WindowFilter = (
  kind: MixKind,
  category: string,
  window: MixWindow,
  count: number,
  total: number,
) => boolean;

export function windowMs(mix: MixRules): number {
  return mix.windowDays * DAY_MS;
}

export function mixIndex(posts: TimelineEntry[], mix: MixRules): MixIndex {
  const n = posts.length;
  const times = new Array<number>(n);
  for (let i = 0; i < n; i++) times[i] = posts[i].at.getTime();
  const prefix = new Map<string, Int32Array>();
  for (const category of Object.keys(mix.limits)) {
    const counts = new Int32Array(n + 1);
    let run = 0;
    for (let i = 0; i < n; i++) {
      if (posts[i].category === category) run++;
      counts[i + 1] = run;
    }
    prefix.set(category, counts);
  }
  return { posts, times, prefix };
}

/** Index of the first time strictly after `ts` in sorted times. */
function firstTimeAfter(times: number[], ts: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The window (t - W, t] of an indexed timeline, for any instant t. */
function windowAt(ix: MixIndex, t: number, mix: MixRules): MixWindow {
  const hi = firstTimeAfter(ix.times, t);
  return { end: t, lo: Math.min(firstTimeAfter(ix.times, t - windowMs(mix)), hi), hi };
}

/** The windows ending at each post (one per instant), in O(n): both window edges only move forward. */
function windowsOf(ix: MixIndex, mix: MixRules): MixWindow[] {
  const { times } = ix;
  const n = times.length;
  const w = windowMs(mix);
  const windows: MixWindow[] = [];
  let lo = 0;
  for (let i = 0; i < n; i++) {
    const t = times[i];
    if (i + 1 < n && times[i + 1] === t) continue;
    const start = t - w;
    while (lo < n && times[lo] <= start) lo++;
    windows.push({ end: t, lo: Math.min(lo, i + 1), hi: i + 1 });
  }
  return windows;
}

function countOf(ix: MixIndex, category: string, w: MixWindow): number {
  const prefix = ix.prefix.get(category);
  return prefix === undefined ? 0 : prefix[w.hi] - prefix[w.lo];
}

function breaks(kind: MixKind, limit: number, count: number, total: number): boolean {
  return kind === 'max' ? count / total > limit : count / total < limit;
}

/**
 * One violation per category, limit and maximal run of consecutive violating windows,
 * describing the worst window of the run (highest share for a max, lowest for a min; the
 * earliest on ties): measured share, limit, the window's posts, from/to = the window.
 * With a filter, only the windows it accepts can be chosen, and a run without any is dropped.
 * `index` (of these posts) saves building it again.
 */
export function mixViolations(
  posts: TimelineEntry[],
  mix: MixRules,
  ctx: RuleContext,
  filter?: WindowFilter,
  index?: MixIndex,
): Violation[] {
  const minPosts = mix.minPosts ?? 1;
  const ix = index ?? mixIndex(posts, mix);
  const categories = Object.keys(mix.limits).sort();
  const out: Violation[] = [];
  let windows: MixWindow[] | undefined;
  for (const category of categories) {
    const limits = mix.limits[category];
    const prefix = ix.prefix.get(category) as Int32Array;
    for (const kind of ['max', 'min'] as const) {
      const limit = limits[kind];
      if (limit === undefined) continue;
      windows ??= windowsOf(ix, mix);
      let worst: MixWindow | undefined;
      let worstCount = 0;
      let worstShare = 0;
      const flush = (): void => {
        if (worst) out.push(mixViolation(ix, worst, worstCount, kind, category, limit, mix, ctx));
        worst = undefined;
      };
      for (const w of windows) {
        const total = w.hi - w.lo;
        const count = prefix[w.hi] - prefix[w.lo];
        if (total < minPosts || !breaks(kind, limit, count, total)) {
          flush();
          continue;
        }
        if (filter && !filter(kind, category, w, count, total)) continue;
        const share = count / total;
        if (!worst || (kind === 'max' ? share > worstShare : share < worstShare)) {
          worst = w;
          worstCount = count;
          worstShare = share;
        }
      }
      flush();
    }
  }
  return out;
}

function mixViolation(
  ix: MixIndex,
  w: MixWindow,
  count: number,
  kind: MixKind,
  category: string,
  limit: number,
  mix: MixRules,
  ctx: RuleContext,
): Violation {
  const total = w.hi - w.lo;
  const counterweight =
    kind === 'max'
      ? Object.keys(mix.limits)
          .sort()
          .find((c) => c !== category && mix.limits[c].min !== undefined)
      : undefined;
  const postIds: string[] = [];
  for (let i = w.lo; i < w.hi; i++) postIds.push(ix.posts[i].id);
  return violation(
    ctx,
    kind === 'max' ? 'mixMax' : 'mixMin',
    mixMessage(kind, category, count, total, limit, mix.windowDays, new Date(w.end), ctx.zone, counterweight),
    postIds,
    w.end - windowMs(mix),
    w.end,
    count / total,
    limit,
  );
}

/**
 * Filter for checkChange: a (violating) window of the new plan counts as made worse when
 * the same window (t - W, t] of the old plan was empty, had a better share of the category,
 * or the same share with fewer offending posts (posts of the category for a max, of other
 * categories for a min: 2 promotional of 2 is worse than 1 of 1). Comparing raw shares, not
 * whether the old window reached minPosts, means that adding an informative post never
 * counts against a promotional maximum.
 */
export function worseThan(before: TimelineEntry[], mix: MixRules): WindowFilter {
  let old: MixIndex | undefined;
  return (kind, category, w, count, total) => {
    old ??= mixIndex(before, mix);
    const ow = windowAt(old, w.end, mix);
    const oldTotal = ow.hi - ow.lo;
    if (oldTotal === 0) return true;
    const oldCount = countOf(old, category, ow);
    const cross = count * oldTotal - oldCount * total;
    if (kind === 'max') return cross > 0 || (cross === 0 && count > oldCount);
    return cross < 0 || (cross === 0 && total - count > oldTotal - oldCount);
  };
}

/** Share of each category among the posts in [from, to); {} when there are none. */
export function mixShares(timeline: TimelineEntry[], from: Date, to: Date): Record<string, number> {
  const inRange = timeline.filter((p) => p.at.getTime() >= from.getTime() && p.at.getTime() < to.getTime());
  const counts = new Map<string, number>();
  for (const p of inRange) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
  const shares: Record<string, number> = {};
  for (const key of [...counts.keys()].sort()) shares[key] = (counts.get(key) as number) / inRange.length;
  return shares;
}
