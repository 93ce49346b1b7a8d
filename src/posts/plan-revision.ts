/**
 * Where a channel's posts stand: the per-channel revision that the statement-level triggers
 * on `posts` bump in the writing transaction (`post_plan_revisions`, migrations Feeds and
 * PostPlanRevisions), with the instant of that bump. Revisions only grow, and the instant
 * is part of the token, so a token names one state of the channel's posts: two reads of it
 * are equal exactly when the posts did not change between.
 *
 * Dependency-free: read through PlanService.revisions (the posts module owns the table).
 */

/** `revision:changedAtMs`, "0:0" for a channel no post was ever written to. */
export type PlanRevision = string;

export interface PlanRevisionState {
  /** Grows with every write to the channel's posts; 0 when none was ever written. */
  revision: number;
  /** When it last grew; null for a channel no post was ever written to. */
  changedAt: Date | null;
  token: PlanRevision;
}

/**
 * The state of a `post_plan_revisions` row (`revision`, `changed_at`), or of no row (both
 * null). Every read of a plan revision goes through it, so that tokens read in different
 * places compare equal.
 */
export function planRevisionOf(revision: unknown, changedAt: unknown): PlanRevisionState {
  const at = changedAt instanceof Date ? changedAt : changedAt ? new Date(changedAt as string) : null;
  const n = revision === null || revision === undefined ? 0 : Number(revision);
  return { revision: n, changedAt: at, token: `${revision ?? 0}:${at ? at.getTime() : 0}` };
}
