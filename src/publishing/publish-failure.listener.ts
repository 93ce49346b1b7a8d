import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Platform } from './adapters/platform-adapter';
import type { FailureReason } from './retry-policy';

export interface PublishFailedEvent {
  postId: string;
  workspaceId: string;
  channelId: string;
  platform: Platform;
  reason: FailureReason;
  lastError: string;
  attempts: number;
  scheduledAt: Date;
  failedAt: Date;
}

/**
 * The hook for `publish_failed` alerts. The dispatcher calls it inside the transaction
 * that marks the post failed, so an alert (or its outbox row) written through `m` is
 * committed with the failure or not at all. If it throws, the failure is recorded anyway
 * (without the alert) and the error is logged.
 *
 * The alerts module plugs in by providing and exporting PUBLISH_FAILURE_HOOK (an instance
 * of a PublishFailureListener subclass) from a global module; without one nothing happens.
 */
export abstract class PublishFailureListener {
  abstract publishFailed(event: PublishFailedEvent, m: EntityManager): Promise<void>;
}

/** Injection token an alerts module provides (globally) to receive failures. */
export const PUBLISH_FAILURE_HOOK = 'PUBLISH_FAILURE_HOOK';

@Injectable()
export class NoopPublishFailureListener extends PublishFailureListener {
  async publishFailed(): Promise<void> {}
}
