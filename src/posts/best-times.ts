import { DateTime } from 'luxon';

/** One weekday x hour cell of a channel's history (weekday 1 = Monday .. 7 = Sunday, hour 0-23 in its zone). */
export interface BestTimeCell {
  weekday: number;
  hour: number;
  posts: number;
  medianEngagement: number;
}

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The weekday x hour table of median engagement from published posts whose engagement is
 * known (a post without a metrics snapshot is left out, not counted as 0); only cells with
 * posts, ordered by weekday then hour. The cell is the wall-clock hour of `publishedAt` in `zone`.
 */
export function bestTimesTable(
  posts: readonly { publishedAt: Date; engagements: number | null }[],
  zone: string,
): BestTimeCell[] {
  const cells = new Map<number, number[]>();
  for (const p of posts) {
    if (p.engagements === null) continue;
    const t = DateTime.fromJSDate(p.publishedAt, { zone });
    const key = t.weekday * 24 + t.hour;
    const list = cells.get(key) ?? [];
    list.push(p.engagements);
    cells.set(key, list);
  }
  return [...cells.entries()]
    .sort(([a], [b]) => a - b)
    .map(([key, values]) => ({
      weekday: Math.floor(key / 24),
      hour: key % 24,
      posts: values.length,
      medianEngagement: median(values),
    }));
}

/**
 * Among `candidates` (allowed instants, any order), the one whose weekday x hour cell has the
 * highest median engagement; ties and candidates go to the earliest. Null when no candidate
 * falls in a cell with history (the caller then keeps the plain next slot).
 */
export function bestCandidate(candidates: readonly Date[], cells: readonly BestTimeCell[], zone: string): Date | null {
  const score = new Map(cells.map((c) => [c.weekday * 24 + c.hour, c.medianEngagement]));
  let best: { at: Date; score: number } | null = null;
  for (const at of [...candidates].sort((a, b) => a.getTime() - b.getTime())) {
    const t = DateTime.fromJSDate(at, { zone });
    const s = score.get(t.weekday * 24 + t.hour);
    if (s === undefined) continue;
    if (!best || s > best.score) best = { at, score: s };
  }
  return best?.at ?? null;
}
