import { ChannelRules, Gap, GapKind, TimelineEntry, Violation } from './rule.types';
import { RuleContext, contextOf, round2, violation } from './rule-context';
import { postsPerWeekViolations } from './cadence.rules';
import { maxGapMessage } from './messages';
import { sortTimeline } from './timeline';
import { HOUR_MS, iso } from './zoned-time';

/**
 * A stretch without posts longer than maxGapHours.
 *
 * Anchoring: a stretch always starts ON a post (`afterPostId`): either between two
 * consecutive posts, or the open stretch after the last post up to `openEnd`. Only an empty
 * timeline anchors on `now`. So repeated calls with the same posts and a moving `now` give
 * the same `from`, and alerts keyed by (kind, from) stay stable. The stretch before the
 * first post is never a gap: a channel's history starts with its first post.
 */
export interface GapStretch {
  from: number;
  to: number;
  afterPostId?: string;
  /** The post that ends the stretch; absent for the open stretch after the last post. */
  untilPostId?: string;
}

export function gapStretches(posts: TimelineEntry[], maxGapHours: number, now: number, openEnd: number): GapStretch[] {
  const limit = maxGapHours * HOUR_MS;
  const out: GapStretch[] = [];
  for (let i = 1; i < posts.length; i++) {
    const a = posts[i - 1];
    const b = posts[i];
    if (b.at.getTime() - a.at.getTime() > limit) {
      out.push({ from: a.at.getTime(), to: b.at.getTime(), afterPostId: a.id, untilPostId: b.id });
    }
  }
  const last = posts.at(-1);
  const anchor = last ? last.at.getTime() : now;
  if (openEnd - anchor > limit) out.push({ from: anchor, to: openEnd, afterPostId: last?.id });
  return out;
}

/**
 * maxGap violations: every stretch between two posts, plus the open stretch from the last
 * post up to `now` once it is already longer than the limit (ongoing inactivity). A plan that
 * simply ends in the future is not a violation (findGaps shows it as a planned gap up to the
 * end of the range asked for).
 */
export function maxGapViolations(posts: TimelineEntry[], maxGapHours: number, ctx: RuleContext): Violation[] {
  if (posts.length === 0) return [];
  return gapStretches(posts, maxGapHours, ctx.now, ctx.now).map((s) =>
    violation(
      ctx,
      'maxGap',
      maxGapMessage(new Date(s.from), new Date(s.to), maxGapHours, s.untilPostId === undefined, ctx.zone),
      s.untilPostId ? [s.afterPostId as string, s.untilPostId] : [s.afterPostId as string],
      s.from,
      s.to,
      round2((s.to - s.from) / HOUR_MS),
      maxGapHours,
    ),
  );
}

/**
 * Kind of a stretch: 'inactivity' once it has already exceeded the limit at `now`
 * (from + maxGapHours <= now: nothing was published for too long, whatever is added now),
 * otherwise 'planned_gap' (it can still be avoided by adding a post before from + maxGapHours).
 * A stretch changes kind exactly once, when now passes that point.
 */
function kindOf(stretch: GapStretch, maxGapHours: number, now: number): GapKind {
  return stretch.from + maxGapHours * HOUR_MS <= now ? 'inactivity' : 'planned_gap';
}

/**
 * Gaps touching [from, to): the stretches of gapStretches (the open one after the last post
 * runs to max(now, to)) and the under-cadence weeks of postsPerWeek (weeks fully inside
 * [from, to) that end after now). The timeline should include the nearest post before
 * `from`, so that a stretch entering the range is anchored on it.
 */
export function findGaps(
  timeline: TimelineEntry[],
  rules: ChannelRules,
  zone: string,
  opts: { from: Date; to: Date; now: Date },
): Gap[] {
  const posts = sortTimeline(timeline);
  const ctx = contextOf(rules, zone, opts.now);
  const from = opts.from.getTime();
  const to = opts.to.getTime();
  const gaps: Gap[] = [];
  const cadence = rules.cadence ?? {};
  if (cadence.maxGapHours !== undefined) {
    for (const s of gapStretches(posts, cadence.maxGapHours, ctx.now, Math.max(ctx.now, to))) {
      if (s.from >= to || s.to < from) continue;
      const gap: Gap = { kind: kindOf(s, cadence.maxGapHours, ctx.now), from: iso(s.from), to: iso(s.to) };
      if (s.afterPostId !== undefined) gap.afterPostId = s.afterPostId;
      gaps.push(gap);
    }
  }
  if (cadence.postsPerWeek !== undefined) {
    for (const v of postsPerWeekViolations(posts, cadence.postsPerWeek, { from, to }, ctx)) {
      gaps.push({ kind: 'under_cadence', from: v.from as string, to: v.to as string });
    }
  }
  return gaps.sort(
    (a, b) => Date.parse(a.from) - Date.parse(b.from) || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0),
  );
}
