/**
 * How a channel's plan is judged over a range, as pure functions: which stretch of the plan
 * to read (planWindow) and what the rule engine says about it (planInsights). PlanService
 * (the calendar, the gap detector) and the feed render worker (src/feeds/feed-render.job.ts,
 * a worker thread without Nest) both use these, so a feed shows the violations the calendar
 * shows.
 *
 * No Nest, no TypeORM, no I/O: imports the rule engine only (the render worker loads this).
 */
import {
  DAY_MS,
  evaluate,
  findGaps,
  mixShares,
  type ChannelRules,
  type Gap,
  type TimelineEntry,
  type Violation,
} from '../rules';

export interface PlanInsights {
  gaps: Gap[];
  violations: Violation[];
  mix: Record<string, number>;
}

/**
 * The stretch of a channel's plan that judging [from, to) reads: a week (plus a day for
 * zone offsets) and a mix window either side, so that weeks and mix windows crossing the
 * range's edges are judged on all their posts. Load it with timelineWindowQuery
 * (posts.queries.ts), which adds the nearest post either side.
 */
export function planWindow(rules: ChannelRules | null | undefined, from: Date, to: Date): { from: Date; to: Date } {
  const margin = (8 + (rules?.mix?.windowDays ?? 0)) * DAY_MS;
  return { from: new Date(from.getTime() - margin), to: new Date(to.getTime() + margin) };
}

/**
 * Gaps, violations and content mix over [from, to) at `now` of a timeline read over
 * planWindow(rules, from, to). `skip` leaves out what a caller does not show (answered
 * empty), and saves computing it.
 */
export function planInsights(
  timeline: TimelineEntry[],
  rules: ChannelRules | null | undefined,
  zone: string,
  range: { from: Date; to: Date; now: Date },
  skip: { gaps?: boolean; mix?: boolean } = {},
): PlanInsights {
  const r = rules ?? {};
  const { from, to, now } = range;
  return {
    gaps: skip.gaps ? [] : findGaps(timeline, r, zone, { from, to, now }),
    violations: evaluate(timeline, r, zone, { now, from, to }),
    mix: skip.mix ? {} : mixShares(timeline, from, to),
  };
}
