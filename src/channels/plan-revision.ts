import type { ChannelEntity } from './channel.entity';

/**
 * Where a channel's posts stand: the per-channel revision that the statement-level triggers
 * on `posts` bump in the writing transaction (`feed_channel_revisions`, migration Feeds),
 * with the instant of that bump. "0:0" for a channel no post was ever written to. Revisions
 * only grow, and the instant is part of the token, so a token names one state of the
 * channel's posts: two reads of it are equal exactly when the posts did not change between.
 */
export type PlanRevision = string;

export interface ChannelWithPlanRevision {
  channel: ChannelEntity;
  revision: PlanRevision;
}

/**
 * The token of a `feed_channel_revisions` row (`revision`, `changed_at`), or of no row (both
 * null). Every read of a plan revision goes through it, so that tokens read in different
 * places compare equal.
 */
export function planRevisionOf(revision: unknown, changedAt: unknown): PlanRevision {
  const at = changedAt instanceof Date ? changedAt.getTime() : changedAt ? new Date(changedAt as string).getTime() : 0;
  return `${revision ?? 0}:${at}`;
}
