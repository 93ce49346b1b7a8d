import { ChannelRules, TimelineEntry, Violation } from './rule.types';
import { RuleContext, contextOf, sortViolations, touches } from './rule-context';
import {
  WeekSpan,
  maxPostsPerDayViolations,
  minSpacingViolations,
  postsPerWeekViolations,
  quietHoursViolations,
} from './cadence.rules';
import { maxGapViolations } from './gaps';
import { mixViolations } from './mix.rules';
import { sortTimeline } from './timeline';

export interface EvaluateOptions {
  now: Date;
  from?: Date;
  to?: Date;
}

/** Every cadence violation (all rules but the mix) of a sorted timeline. */
export function cadenceViolations(
  posts: TimelineEntry[],
  rules: ChannelRules,
  ctx: RuleContext,
  weeks: WeekSpan,
): Violation[] {
  const c = rules.cadence ?? {};
  const out: Violation[] = [];
  if (c.maxPostsPerDay !== undefined) out.push(...maxPostsPerDayViolations(posts, c.maxPostsPerDay, ctx));
  if (c.minSpacingMinutes !== undefined) out.push(...minSpacingViolations(posts, c.minSpacingMinutes, ctx));
  if (c.quietHours !== undefined) out.push(...quietHoursViolations(posts, c.quietHours, ctx));
  if (c.maxGapHours !== undefined) out.push(...maxGapViolations(posts, c.maxGapHours, ctx));
  if (c.postsPerWeek !== undefined) out.push(...postsPerWeekViolations(posts, c.postsPerWeek, weeks, ctx));
  return out;
}

/**
 * All violations of a timeline (any order in, sorted by time, rule, post ids out), only
 * those touching [from, to) when a range is given. postsPerWeek looks at the weeks fully
 * inside the range that end after now; without a range, from the week of now to the week of
 * the last post.
 */
export function evaluate(
  timeline: TimelineEntry[],
  rules: ChannelRules,
  zone: string,
  opts: EvaluateOptions,
): Violation[] {
  const posts = sortTimeline(timeline);
  const ctx = contextOf(rules, zone, opts.now);
  const from = opts.from?.getTime();
  const to = opts.to?.getTime();
  const violations = [
    ...cadenceViolations(posts, rules, ctx, { from, to, lastPost: posts.at(-1)?.at.getTime() }),
    ...(rules.mix ? mixViolations(posts, rules.mix, ctx) : []),
  ];
  return sortViolations(violations.filter((v) => touches(v, from, to)));
}
