import { ChannelRules, HOUR_MS, TimelineEntry, weekBounds } from '../rules';

/**
 * How long the calendar's gaps, violations and mix of a plan window (findGaps, evaluate and
 * mixShares over [from, to), as PlanService.insightsOf asks them) stay what they are at
 * `now`: an instant T > now such that for every clock reading in [now, T) the three give
 * the same result; null when they move with the clock itself (an open stretch without
 * posts that reaches up to now).
 *
 * It mirrors every use of `now` in those functions (src/rules: gaps.ts, cadence.rules.ts
 * weeksToCheck; mix and the other cadence rules do not read the clock), and errs early:
 * - postsPerWeek looks at the weeks that end after now: stable until the current week ends.
 * - maxGapHours: a stretch that starts on a post p changes kind when now reaches
 *   p + maxGapHours, and the open stretch after the last post appears in violations (and in
 *   gaps once the range is over) when now passes last + maxGapHours; from then on, while it
 *   starts before `to`, it ends at now (null). Without posts, gaps anchor on now (null).
 * - the open stretch of findGaps runs to max(now, to): stable while now is before `to`.
 * insights-validity.spec.ts checks the promise against the engine on random plans.
 */
export function insightsValidUntil(
  timeline: readonly TimelineEntry[],
  rules: ChannelRules,
  zone: string,
  range: { from: Date; to: Date },
  now: Date,
): number | null {
  const t = now.getTime();
  let until = Infinity;
  const consider = (instant: number) => {
    if (instant > t && instant < until) until = instant;
  };
  consider(range.from.getTime());
  consider(range.to.getTime());
  const cadence = rules.cadence ?? {};
  if (cadence.postsPerWeek !== undefined) consider(weekBounds(t, zone).end.getTime());
  if (cadence.maxGapHours !== undefined) {
    if (timeline.length === 0) return null;
    const limit = cadence.maxGapHours * HOUR_MS;
    let last = -Infinity;
    for (const p of timeline) {
      const at = p.at.getTime();
      if (at > last) last = at;
      // kind flips at the first ms with at + limit <= now; the open stretch appears at the
      // first ms with now - at > limit.
      consider(Math.ceil(at + limit));
      consider(Math.floor(at + limit) + 1);
    }
    if (t - last > limit && last < range.to.getTime()) return null;
  }
  return until;
}
