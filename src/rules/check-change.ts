import { ChannelRules, TimeRange, TimelineEntry, Violation } from './rule.types';
import { contextOf, sortViolations, touches } from './rule-context';
import { WeekSpan } from './cadence.rules';
import { cadenceViolations } from './evaluate';
import { mixIndex, mixViolations, worseThan } from './mix.rules';
import { sortTimeline } from './timeline';

export interface CheckChangeOptions {
  now: Date;
  /** The range the change can affect (affectedRange); absent = whole timelines. */
  range?: TimeRange;
}

export interface ChangeCheck {
  /** Violations of the new plan that make it worse than the old one. */
  added: Violation[];
  /** Every violation of the new plan touching the range. */
  all: Violation[];
}

/**
 * Identity of a violation, and when the new plan's one is "worse" (added):
 * - maxPostsPerDay: the local day; added when the day was not over the limit before or now
 *   holds more posts.
 * - postsPerWeek: the ISO week; added when the week was not under target before or now holds
 *   fewer posts.
 * - minSpacing: the pair of post ids; added when the pair was not too close before or is now
 *   closer.
 * - quietHours: the post id; added when that post was not in quiet hours before.
 * - maxGap: the interval; added unless it lies inside a stretch without posts that the old
 *   plan already had: one of its maxGap violations, or the open stretch before its first
 *   or after its last post. So a post added inside a gap that stays too long, or after the
 *   end of the plan, is not added, while removing or moving a post that split a gap is.
 * - mixMax / mixMin: the window (t - W, t] ending at each post t of the new plan, per
 *   category; added when that same window of the old plan was empty, had a better share
 *   of the category, or the same share with fewer offending posts. Added mix violations describe the worst of the windows made worse in
 *   each run of violating windows, so their window (and postIds) can differ from the one
 *   that `all` shows for the same run.
 * Both plans are judged over the same weeks: the weeks fully inside `range`, or without a
 * range from the week of now to the week of the last post of either plan.
 */
export function checkChange(
  before: TimelineEntry[],
  after: TimelineEntry[],
  rules: ChannelRules,
  zone: string,
  opts: CheckChangeOptions,
): ChangeCheck {
  const oldPlan = sortTimeline(before);
  const newPlan = sortTimeline(after);
  const ctx = contextOf(rules, zone, opts.now);
  const from = opts.range?.from.getTime();
  const to = opts.range?.to.getTime();
  const lastPost = Math.max(oldPlan.at(-1)?.at.getTime() ?? -Infinity, newPlan.at(-1)?.at.getTime() ?? -Infinity);
  const weeks: WeekSpan = opts.range ? { from, to } : { lastPost: Number.isFinite(lastPost) ? lastPost : undefined };

  const inRange = (v: Violation): boolean => touches(v, from, to);
  const oldIndex = indexByIdentity(cadenceViolations(oldPlan, rules, ctx, weeks));
  const oldGaps = (oldIndex.get('maxGap') ?? []).map((v) => [Date.parse(v.from as string), Date.parse(v.to as string)]);
  // The open stretches before the first and after the last post are gaps of the old plan too:
  // a post added beyond either end shortens them, it does not open a gap.
  const first = oldPlan[0]?.at.getTime();
  const last = oldPlan.at(-1)?.at.getTime();
  oldGaps.push([-Infinity, first ?? Infinity], [last ?? -Infinity, Infinity]);
  const cadence = cadenceViolations(newPlan, rules, ctx, weeks).filter(inRange);
  const addedCadence = cadence.filter((v) => {
    if (v.rule === 'maxGap') {
      const f = Date.parse(v.from as string);
      const t = Date.parse(v.to as string);
      return !oldGaps.some(([of, ot]) => of <= f && ot >= t);
    }
    const old = oldIndex.get(identity(v))?.[0];
    if (!old) return true;
    const m = v.measured ?? 0;
    const om = old.measured ?? 0;
    switch (v.rule) {
      case 'maxPostsPerDay':
        return m > om;
      case 'postsPerWeek':
      case 'minSpacing':
        return m < om;
      default:
        return false;
    }
  });

  const mix = rules.mix;
  const newIndex = mix ? mixIndex(newPlan, mix) : undefined;
  const mixAll = mix ? mixViolations(newPlan, mix, ctx, undefined, newIndex).filter(inRange) : [];
  const mixAdded = mix ? mixViolations(newPlan, mix, ctx, worseThan(oldPlan, mix), newIndex).filter(inRange) : [];

  return {
    added: sortViolations([...addedCadence, ...mixAdded]),
    all: sortViolations([...cadence, ...mixAll]),
  };
}

function identity(v: Violation): string {
  switch (v.rule) {
    case 'maxPostsPerDay':
    case 'postsPerWeek':
      return `${v.rule}|${v.from}`;
    case 'minSpacing':
      return `${v.rule}|${[...v.postIds].sort().join('\u0000')}`;
    case 'quietHours':
      return `${v.rule}|${v.postIds[0]}`;
    default:
      return v.rule;
  }
}

function indexByIdentity(violations: Violation[]): Map<string, Violation[]> {
  const index = new Map<string, Violation[]>();
  for (const v of violations) {
    const key = identity(v);
    const list = index.get(key);
    if (list) list.push(v);
    else index.set(key, [v]);
  }
  return index;
}
