import { Injectable } from '@nestjs/common';
import { PlanGuard, PlanVerdict } from './plan-guard';

/** Accepts every change: the plan guard before the rule engine is wired in. */
@Injectable()
export class UncheckedPlanGuard extends PlanGuard {
  async check(): Promise<PlanVerdict> {
    return { violations: [] };
  }
}
