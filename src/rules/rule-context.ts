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
  // Keys computed once per violation, not once per comparison; the sort is stable as before.
  const keyed = vs.map((v) => ({
    v,
    t: Date.parse(v.from as string),
    rule: v.rule,
    ids: v.postIds.join(','),
    message: v.message,
  }));
  keyed.sort((a, b) => cmp(a.t, b.t) || cmp(a.rule, b.rule) || cmp(a.ids, b.ids) || cmp(a.message, b.message));
  return keyed.map((k) => k.v);
}

function cmp<T extends number | string>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
