import { CadenceRules, ChannelRules, MixRules, PostingSlot, TimelineEntry, Violation } from './rule.types';
import { affectedRange } from './affected-range';
import { checkChange } from './check-change';
import { quietOccurrence } from './cadence.rules';
import { windowMs } from './mix.rules';
import { slotInstants } from './slots';
import { firstAfter, firstAtOrAfter, postsBetween, sliceForRange, sortTimeline } from './timeline';
import { DAY_MS, MINUTE_MS, ceilToMinute, dayBounds, plusZonedDays } from './zoned-time';

export interface NextSlotOptions {
  category: string;
  after: Date;
  now: Date;
  slots?: PostingSlot[];
  /** Default 365: candidates later than `after` + horizonDays (calendar days in the zone) are not tried. */
  horizonDays?: number;
  /** The post being placed: it is taken out of the timeline first, and the candidate carries its id. */
  excludePostId?: string;
}

export const CANDIDATE_ID = '__candidate__';

/**
 * The earliest instant strictly after `after` (a whole minute, or a slot instant when slots
 * are given) at which adding the post yields no `added` violation in checkChange; null when
 * there is none within the horizon.
 *
 * Adding a post can only break maxPostsPerDay, minSpacing, quietHours and the mix (it never
 * widens a gap nor empties a week), so the search jumps: to the end of the quiet hours, to
 * the next day when the day is full, to the last close post + spacing; and when only the mix
 * objects, to the next instant at which a window gains or loses a post (the mix verdict is
 * constant in between).
 */
export function nextSlot(
  timeline: TimelineEntry[],
  rules: ChannelRules,
  zone: string,
  opts: NextSlotOptions,
): Date | null {
  const id = opts.excludePostId ?? CANDIDATE_ID;
  const before = sortTimeline(timeline.filter((p) => p.id !== id));
  const horizonEnd = plusZonedDays(opts.after, opts.horizonDays ?? 365, zone).getTime();
  const slots = opts.slots && opts.slots.length > 0 ? opts.slots : undefined;
  const cadence = rules.cadence ?? {};

  const candidateFrom = (t: number): number | null => {
    if (!slots) return ceilToMinute(t);
    const next = slotInstants(slots, zone, new Date(t), new Date(t + 8 * DAY_MS))[0];
    return next ? next.getTime() : null;
  };

  let c = candidateFrom(opts.after.getTime() + 1);
  while (c !== null && c <= horizonEnd) {
    const obstacle = obstacleEnd(before, c, cadence, zone);
    if (obstacle !== null) {
      c = candidateFrom(Math.max(obstacle, c + 1));
      continue;
    }
    const added = addedBy(before, { id, at: new Date(c), category: opts.category }, rules, zone, opts.now);
    if (added.length === 0) return new Date(c);
    const onlyMix = added.every((v) => v.rule === 'mixMax' || v.rule === 'mixMin');
    if (onlyMix && rules.mix) {
      const event = nextMixEvent(before, c, rules.mix);
      if (event === null) return null;
      c = candidateFrom(event);
    } else {
      c = candidateFrom(c + 1);
    }
  }
  return null;
}

/** The check the service would run: checkChange on the slices loaded through affectedRange. */
function addedBy(
  before: TimelineEntry[],
  candidate: TimelineEntry,
  rules: ChannelRules,
  zone: string,
  now: Date,
): Violation[] {
  const range = affectedRange(rules, zone, [candidate.at]);
  const slice = sliceForRange(before, range.from.getTime(), range.to.getTime());
  return checkChange(slice, [...slice, candidate], rules, zone, { now, range }).added;
}

/** When the candidate instant itself breaks a per-post cadence rule: the instant where that stops. */
function obstacleEnd(before: TimelineEntry[], c: number, cadence: CadenceRules, zone: string): number | null {
  if (cadence.quietHours) {
    const quiet = quietOccurrence(c, cadence.quietHours, zone);
    // In the second pass of a fall-back hour the occurrence's end (first occurrence) is behind us.
    if (quiet) return Math.max(quiet.end.getTime(), c + MINUTE_MS);
  }
  if (cadence.maxPostsPerDay !== undefined) {
    const day = dayBounds(c, zone);
    if (postsBetween(before, day.start.getTime(), day.end.getTime()).length >= cadence.maxPostsPerDay) {
      return day.end.getTime();
    }
  }
  if (cadence.minSpacingMinutes !== undefined) {
    const spacing = cadence.minSpacingMinutes * MINUTE_MS;
    const i = firstAfter(before, c - spacing);
    const j = firstAtOrAfter(before, c + spacing);
    if (i < j) return before[j - 1].at.getTime() + spacing;
  }
  return null;
}

/**
 * The next instant after c at which some mix window changes relative to the candidate:
 * a post enters the candidate's window (at p), the candidate leaves a post's window (just
 * after p), a post leaves the candidate's window (at p + W), the candidate enters the window
 * of a later post (just after p - W).
 */
function nextMixEvent(before: TimelineEntry[], c: number, mix: MixRules): number | null {
  const w = windowMs(mix);
  const events: number[] = [];
  const at = (i: number): number | undefined => before[i]?.at.getTime();
  const enters = at(firstAfter(before, c));
  if (enters !== undefined) events.push(enters);
  const leavesOwn = at(firstAtOrAfter(before, c));
  if (leavesOwn !== undefined) events.push(leavesOwn + 1);
  const drops = at(firstAfter(before, c - w));
  if (drops !== undefined) events.push(drops + w);
  const joins = at(firstAtOrAfter(before, c + w));
  if (joins !== undefined) events.push(joins - w + 1);
  return events.length > 0 ? Math.min(...events) : null;
}

/**
 * Whether adding a post of `category` at `at` yields no `added` violation (the same check
 * nextSlot makes of each candidate): next-slot?prefer=engagement filters its candidates with it.
 */
export function allowedAt(
  timeline: TimelineEntry[],
  rules: ChannelRules,
  zone: string,
  opts: { category: string; at: Date; now: Date; excludePostId?: string },
): boolean {
  const id = opts.excludePostId ?? CANDIDATE_ID;
  const before = sortTimeline(timeline.filter((p) => p.id !== id));
  const c = opts.at.getTime();
  if (obstacleEnd(before, c, rules.cadence ?? {}, zone) !== null) return false;
  return addedBy(before, { id, at: opts.at, category: opts.category }, rules, zone, opts.now).length === 0;
}
