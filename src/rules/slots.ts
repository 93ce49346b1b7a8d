import { PostingSlot } from './rule.types';
import { addDays, dayStartOf, localParts, parseWallClock, zonedInstant } from './zoned-time';

/**
 * The instants of weekly posting slots in [from, to), sorted, without duplicates.
 * A slot is a wall-clock time on a weekday in the channel zone. On DST days:
 * - a slot time that does not exist (spring-forward gap, e.g. 02:30 on 2027-03-28 in Rome)
 *   moves to the first valid instant after the gap (03:00 CEST);
 * - a slot time that occurs twice (fall-back overlap, e.g. 02:30 on 2027-10-31 in Rome)
 *   takes the first occurrence (02:30 CEST, not 02:30 CET).
 */
export function slotInstants(slots: PostingSlot[], zone: string, from: Date, to: Date): Date[] {
  const parsed = slots.map((s) => {
    if (!Number.isInteger(s.weekday) || s.weekday < 1 || s.weekday > 7) {
      throw new RangeError(`Invalid slot weekday ${s.weekday} (1 = Monday .. 7 = Sunday)`);
    }
    return { weekday: s.weekday, ...parseWallClock(s.time) };
  });
  const start = from.getTime();
  const end = to.getTime();
  const found = new Set<number>();
  const p = localParts(from, zone);
  // One week early: a slot shifted forward by a gap may land in the next week.
  let monday = addDays(p, 1 - p.weekday - 7);
  while (parsed.length > 0 && dayStartOf(monday, zone).getTime() < end) {
    for (const slot of parsed) {
      const ts = zonedInstant(
        { ...addDays(monday, slot.weekday - 1), hour: slot.hour, minute: slot.minute },
        zone,
      ).getTime();
      if (ts >= start && ts < end) found.add(ts);
    }
    monday = addDays(monday, 7);
  }
  return [...found].sort((a, b) => a - b).map((ts) => new Date(ts));
}
