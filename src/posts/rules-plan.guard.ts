import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '../common/domain-error';
import type { Violation } from '../rules';
import { PlanChange, PlanGuard, PlanVerdict } from './plan-guard';
import { PlanService, timelineEntryOf } from './plan.service';

function sameEntry(a: ReturnType<typeof timelineEntryOf>, b: ReturnType<typeof timelineEntryOf>): boolean {
  return a?.at.getTime() === b?.at.getTime() && a?.category === b?.category;
}

export function ruleRefusal(violations: Violation[]): DomainError {
  const first = violations[0];
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more)` : '';
  return new DomainError(
    ErrorCode.RuleViolation,
    `This change breaks the channel's rules: ${first.message}${more} A lead may override with a reason.`,
    {
      violations,
    },
  );
}

/**
 * The channel's rules, enforced on every change that puts a post into the plan or moves
 * it there. `block`: a change that adds a violation is refused unless a lead overrides;
 * `warn`: saved and reported. Removals are never refused; the gaps they open are reported.
 */
@Injectable()
export class RulesPlanGuard extends PlanGuard {
  constructor(private readonly plan: PlanService) {
    super();
  }

  async check(m: EntityManager, change: PlanChange): Promise<PlanVerdict> {
    const before = timelineEntryOf(change.before);
    const after = timelineEntryOf(change.after);
    if ((!before && !after) || sameEntry(before, after)) return { violations: [] };
    const { added } = await this.plan.assess(change.channel, before, after, m);
    const removal = after === null;
    if (added.length > 0 && !removal && change.channel.rules.enforcement === 'block' && !change.overrideReason) {
      throw ruleRefusal(added);
    }
    return { violations: added, overridden: change.overrideReason && added.length > 0 ? added : undefined };
  }
}
