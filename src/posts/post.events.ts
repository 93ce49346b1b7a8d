import { eventName } from '../database/after-commit-events';
import type { PostAction, PostStatus } from './post-state.machine';

/**
 * `plan.changed`: a person changed a channel's plan, one post at a time (created, edited,
 * submitted, approved, rejected, scheduled or queued, unscheduled, cancelled, deleted),
 * through the API. Emitted once the change is committed (docs/events.md). The dispatcher's
 * outcomes are facts of their own (`post.published`, `post.publish_failed`); a retry or a
 * hand-back by the dispatcher changes no plan and states nothing.
 *
 * Public and stable: fields are added, never renamed or removed.
 */
export const PLAN_CHANGED = eventName<PlanChangedEvent>('plan.changed');

/** What a person did to the post: `create`, or the lifecycle action (queue is `schedule`). */
export type PlanAction =
  | 'create'
  | Extract<PostAction, 'edit' | 'submit' | 'approve' | 'reject' | 'schedule' | 'unschedule' | 'cancel' | 'delete'>;

export interface PlanChangedEvent {
  workspaceId: string;
  channelId: string;
  postId: string;
  action: PlanAction;
  /** The post's status after the change; null when it was deleted. */
  status: PostStatus | null;
  /** The post's version after the change (with postId, names the change); null when deleted. */
  version: number | null;
  /** Its time after the change (null: none, or deleted) and before it (null: none, or created). */
  scheduledAt: Date | null;
  previousScheduledAt: Date | null;
  /** The member who changed it. */
  actorMemberId: string;
  /** When, by the application's Clock. */
  changedAt: Date;
}
