/**
 * Which step of METRICS_STEPS a collection takes next. Steps are offsets after publication
 * (milliseconds, increasing). After step `after` (-1: none yet), the next is the latest step
 * whose time has already passed, if any (a collector that was down, or a post scheduled late
 * by the sweep, takes one snapshot now rather than one per missed step), else the first step
 * still to come. null: no step left.
 */
export function nextStep(
  publishedAt: Date,
  steps: readonly number[],
  after: number,
  now: Date,
): { step: number; dueAt: Date } | null {
  const published = publishedAt.getTime();
  let step = -1;
  for (let i = after + 1; i < steps.length; i++) {
    if (published + steps[i]! <= now.getTime()) step = i;
    else {
      if (step === -1) step = i;
      break;
    }
  }
  if (step === -1) return null;
  return { step, dueAt: new Date(published + steps[step]!) };
}
