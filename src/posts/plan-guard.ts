import type { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { ChannelEntity } from '../channels/channel.entity';
import type { Violation } from '../rules';
import type { PostEntity } from './post.entity';

export interface PlanChange {
  actor: Actor;
  channel: ChannelEntity;
  /** The post as stored, or null when it is being created. */
  before: PostEntity | null;
  /** The post as it will be, or null when it is being deleted. */
  after: PostEntity | null;
  /** A lead's reason to schedule despite block rules. */
  overrideReason?: string;
}

export interface PlanVerdict {
  /** What the change adds to the plan's violations (a removal: the gaps it opens). */
  violations: Violation[];
  /** The violations a lead's override let through (kept in the audit trail). */
  overridden?: Violation[];
}

/**
 * Consulted inside the transaction of every change to a post, with the channel row
 * locked. It may refuse the change (throwing a rule-violation error) and reports the
 * violations of the resulting plan.
 */
export abstract class PlanGuard {
  abstract check(m: EntityManager, change: PlanChange): Promise<PlanVerdict>;
}
