import { ChannelRules, Enforcement, RuleName, Violation } from './rule.types';
import { iso } from './zoned-time';

export interface RuleContext {
  zone: string;
  now: number;
  severity: Enforcement;
}

export function contextOf(rules: ChannelRules, zone: string, now: Date): RuleContext {
  return { zone, now: now.getTime(), severity: rules.enforcement ?? 'warn' };
}

export function violation(
  ctx: RuleContext,
  rule: RuleName,
  message: string,
  postIds: string[],
  from: number,
  to: number,
  measured?: number,
  limit?: number,
): Violation {
  const v: Violation = { rule, severity: ctx.severity, message, postIds, from: iso(from), to: iso(to) };
  if (measured !== undefined) v.measured = measured;
  if (limit !== undefined) v.limit = limit;
  return v;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * A violation touches [from, to) when its interval meets it; the end is inclusive so that a
 * gap or window ending on a post at `from` counts.
 */
export function touches(v: Violation, from?: number, to?: number): boolean {
  const vFrom = Date.parse(v.from as string);
  const vTo = Date.parse(v.to as string);
  return (to === undefined || vFrom < to) && (from === undefined || vTo >= from);
}

/** Time, then rule, then post ids, then message (distinguishes mix categories). */
export function sortViolations(vs: Violation[]): Violation[] {
  const key = (v: Violation): [number, string, string, string] => [
    Date.parse(v.from as string),
    v.rule,
    v.postIds.join(','),
    v.message,
  ];
  return [...vs].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] < kb[i]) return -1;
      if (ka[i] > kb[i]) return 1;
    }
    return 0;
  });
}
