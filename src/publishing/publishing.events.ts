import { eventName } from '../database/after-commit-events';
import type { Platform } from './adapters/platform-adapter';
import type { FailureReason } from './retry-policy';

/**
 * The publishing facts other modules react to (alerts today; metrics collection and
 * lifecycle webhooks next). Public and stable: fields are added, never renamed or removed.
 * Each is emitted once the change it states is committed; see docs/events.md.
 */

/** `post.published`: the dispatcher recorded a post as published on its platform. */
export const POST_PUBLISHED = eventName<PostPublishedEvent>('post.published');

export interface PostPublishedEvent {
  postId: string;
  workspaceId: string;
  channelId: string;
  platform: Platform;
  /** The platform's id and address of the publication. */
  externalId: string;
  externalUrl: string;
  /** The attempt that published it (1 for the first). */
  attempts: number;
  scheduledAt: Date;
  publishedAt: Date;
}

/**
 * `post.publish_failed`: the dispatcher gave up on a post (status `failed`); a person must
 * decide what to do with it. The alerts module opens a publish_failed alert from it.
 */
export const POST_PUBLISH_FAILED = eventName<PostPublishFailedEvent>('post.publish_failed');

export interface PostPublishFailedEvent {
  postId: string;
  workspaceId: string;
  channelId: string;
  platform: Platform;
  reason: FailureReason;
  /** What the person reading the alert needs to know (never a credential). */
  lastError: string;
  attempts: number;
  scheduledAt: Date;
  failedAt: Date;
}
