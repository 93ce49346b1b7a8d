import { ChannelRules, TimeRange } from './rule.types';
import { windowMs } from './mix.rules';
import { MINUTE_MS, dayBounds, weekBounds } from './zoned-time';

/**
 * The part of the timeline a change at these instants (old and new times of the posts it
 * touches) can affect: the local days around them (maxPostsPerDay), their ISO weeks
 * (postsPerWeek), the spacing either side (minSpacing) and one mix window either side
 * (windows ending up to W after a changed post contain it; the window ending at it reaches
 * W back). The caller loads the posts in [from, to) plus the nearest post before `from` and
 * the nearest at or after `to` (maxGap reaches them) and passes the range to checkChange.
 */
export function affectedRange(rules: ChannelRules, zone: string, instants: Date[]): TimeRange {
  if (instants.length === 0) throw new RangeError('affectedRange needs at least one instant');
  const times = instants.map((d) => d.getTime());
  const first = Math.min(...times);
  const last = Math.max(...times);
  let from = dayBounds(first, zone).start.getTime();
  let to = dayBounds(last, zone).end.getTime();
  const cadence = rules.cadence ?? {};
  if (cadence.postsPerWeek !== undefined) {
    from = Math.min(from, weekBounds(first, zone).start.getTime());
    to = Math.max(to, weekBounds(last, zone).end.getTime());
  }
  if (cadence.minSpacingMinutes !== undefined) {
    from = Math.min(from, first - cadence.minSpacingMinutes * MINUTE_MS);
    to = Math.max(to, last + cadence.minSpacingMinutes * MINUTE_MS + 1);
  }
  if (rules.mix) {
    from = Math.min(from, first - windowMs(rules.mix));
    to = Math.max(to, last + windowMs(rules.mix) + 1);
  }
  return { from: new Date(from), to: new Date(to) };
}
