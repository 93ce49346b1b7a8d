import { MixRules, TimelineEntry, Violation } from './rule.types';
import { RuleContext, violation } from './rule-context';
import { mixMessage } from './messages';
import { firstAfter } from './timeline';
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

export interface MixWindow {
  end: number;
  posts: TimelineEntry[];
  /** Posts of each limited category in the window. */
  counts: Map<string, number>;
}

/** Decides whether a violating window is reported (checkChange keeps only windows the change made worse). */
export type WindowFilter = (kind: MixKind, category: string, window: MixWindow) => boolean;

export function windowMs(mix: MixRules): number {
  return mix.windowDays * DAY_MS;
}

function countCategories(posts: TimelineEntry[], categories: string[]): Map<string, number> {
  const counts = new Map<string, number>(categories.map((c) => [c, 0]));
  for (const p of posts) {
    const n = counts.get(p.category);
    if (n !== undefined) counts.set(p.category, n + 1);
  }
  return counts;
}

/** The window (t - W, t] of a sorted timeline, for any instant t. */
export function windowAt(posts: TimelineEntry[], t: number, mix: MixRules): MixWindow {
  const inWindow = posts.slice(firstAfter(posts, t - windowMs(mix)), firstAfter(posts, t));
  return { end: t, posts: inWindow, counts: countCategories(inWindow, Object.keys(mix.limits)) };
}

function windowsOf(posts: TimelineEntry[], mix: MixRules): MixWindow[] {
  const windows: MixWindow[] = [];
  for (let i = 0; i < posts.length; i++) {
    const t = posts[i].at.getTime();
    if (i + 1 < posts.length && posts[i + 1].at.getTime() === t) continue;
    windows.push(windowAt(posts, t, mix));
  }
  return windows;
}

function breaks(kind: MixKind, limit: number, count: number, total: number): boolean {
  return kind === 'max' ? count / total > limit : count / total < limit;
}

/**
 * One violation per category, limit and maximal run of consecutive violating windows,
 * describing the worst window of the run (highest share for a max, lowest for a min; the
 * earliest on ties): measured share, limit, the window's posts, from/to = the window.
 * With a filter, only the windows it accepts can be chosen, and a run without any is dropped.
 */
export function mixViolations(
  posts: TimelineEntry[],
  mix: MixRules,
  ctx: RuleContext,
  filter?: WindowFilter,
): Violation[] {
  const minPosts = mix.minPosts ?? 1;
  const windows = windowsOf(posts, mix);
  const categories = Object.keys(mix.limits).sort();
  const out: Violation[] = [];
  for (const category of categories) {
    const limits = mix.limits[category];
    for (const kind of ['max', 'min'] as const) {
      const limit = limits[kind];
      if (limit === undefined) continue;
      let worst: MixWindow | undefined;
      const share = (w: MixWindow): number => (w.counts.get(category) ?? 0) / w.posts.length;
      const flush = (): void => {
        if (worst) out.push(mixViolation(worst, kind, category, limit, mix, ctx));
        worst = undefined;
      };
      for (const w of windows) {
        const total = w.posts.length;
        if (total < minPosts || !breaks(kind, limit, w.counts.get(category) ?? 0, total)) {
          flush();
          continue;
        }
        if (filter && !filter(kind, category, w)) continue;
        if (!worst || (kind === 'max' ? share(w) > share(worst) : share(w) < share(worst))) worst = w;
      }
      flush();
    }
  }
  return out;
}

function mixViolation(
  w: MixWindow,
  kind: MixKind,
  category: string,
  limit: number,
  mix: MixRules,
  ctx: RuleContext,
): Violation {
  const count = w.counts.get(category) ?? 0;
  const total = w.posts.length;
  const counterweight =
    kind === 'max'
      ? Object.keys(mix.limits)
          .sort()
          .find((c) => c !== category && mix.limits[c].min !== undefined)
      : undefined;
  return violation(
    ctx,
    kind === 'max' ? 'mixMax' : 'mixMin',
    mixMessage(kind, category, count, total, limit, mix.windowDays, new Date(w.end), ctx.zone, counterweight),
    w.posts.map((p) => p.id),
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
  return (kind, category, w) => {
    const old = windowAt(before, w.end, mix);
    const oldTotal = old.posts.length;
    if (oldTotal === 0) return true;
    const count = w.counts.get(category) ?? 0;
    const oldCount = old.counts.get(category) ?? 0;
    const cross = count * oldTotal - oldCount * w.posts.length;
    if (kind === 'max') return cross > 0 || (cross === 0 && count > oldCount);
    return cross < 0 || (cross === 0 && w.posts.length - count > oldTotal - oldCount);
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
