/** METRICS_STEPS' default: counts are fetched 1 hour, 6 hours, 1, 3, 7 and 30 days after publication. */
export const DEFAULT_METRICS_STEPS = '1h,6h,24h,3d,7d,30d';

/** The most steps a schedule may have, and the latest a step may be (a year). */
export const MAX_METRICS_STEPS = 50;
export const MAX_METRICS_STEP_MS = 366 * 24 * 3600 * 1000;

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * METRICS_STEPS: comma-separated durations after publication at which a post's counts are
 * fetched, each a whole number and a unit (`s`, `m`, `h` or `d`: `90m`, `24h`, `3d`), in
 * increasing order. Returns the steps in milliseconds, or the problems (each naming the
 * variable and the entry), never both.
 */
export function parseMetricsSteps(value: string): { steps: number[]; problems: string[] } {
  const entries = value.split(',').map((e) => e.trim());
  if (value.trim() === '') {
    return { steps: [], problems: [`METRICS_STEPS must list at least one duration, e.g. ${DEFAULT_METRICS_STEPS}`] };
  }
  const problems: string[] = [];
  const steps: number[] = [];
  for (const entry of entries) {
    const match = /^(\d{1,9})([smhd])$/.exec(entry);
    if (!match) {
      problems.push(
        `METRICS_STEPS: "${entry.slice(0, 40)}" is not a duration such as 30m, 6h or 3d (a whole number and s, m, h or d)`,
      );
      continue;
    }
    const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    if (ms <= 0) problems.push(`METRICS_STEPS: "${entry}" must be after publication (more than 0)`);
    else if (ms > MAX_METRICS_STEP_MS)
      problems.push(`METRICS_STEPS: "${entry}" is more than 366 days after publication`);
    else if (steps.length > 0 && ms <= steps[steps.length - 1]!)
      problems.push(`METRICS_STEPS: "${entry}" must come after the step before it (steps in increasing order)`);
    steps.push(ms);
  }
  if (entries.length > MAX_METRICS_STEPS) problems.push(`METRICS_STEPS: at most ${MAX_METRICS_STEPS} steps`);
  return problems.length > 0 ? { steps: [], problems } : { steps, problems };
}
