import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { Clock, SystemClock } from '../../common/clock';
import { composeText } from '../../content/compose-text';
import { abortableDelay } from './abortable-delay';
import { optionalNonNegativeInt } from './channel-credentials';
import { PlatformAdapter, type PublishablePost, type PublishOutcome, type PublishTarget } from './platform-adapter';
import { PublishError } from './publish-error';

export interface MockPublication {
  channelId: string;
  postId: string;
  idempotencyKey: string;
  externalId: string;
  externalUrl: string;
  /** The text as it would have been published. */
  text: string;
  publishedAt: Date;
}

/** A UUID-shaped id derived from the channel and idempotency key (stable across retries). */
export function mockExternalId(channelId: string, idempotencyKey: string): string {
  const hex = createHash('sha256').update(`palinsesto/mock/v1:${channelId}:${idempotencyKey}`).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The dry-run platform: publishes nowhere, remembers what it "published" (`published`),
 * and rehearses slowness (`latencyMs`) and failures (`failEvery`: every Nth new publication
 * on a channel fails with a transient error). Idempotent on (channel, key).
 */
@Injectable()
export class MockAdapter extends PlatformAdapter {
  readonly platform = 'mock' as const;
  /** Publications in the order they happened; tests read it, `reset()` empties it. */
  readonly published: MockPublication[] = [];
  private readonly outcomes = new Map<string, PublishOutcome>();
  private readonly attempts = new Map<string, number>();
  private readonly clock: Clock;

  constructor(@Optional() @Inject(Clock) clock?: Clock | null) {
    super();
    this.clock = clock ?? new SystemClock();
  }

  async publish(
    post: PublishablePost,
    target: PublishTarget,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<PublishOutcome> {
    const latencyMs = optionalNonNegativeInt(target.credentials, 'latencyMs', 'mock') ?? 0;
    const failEvery = optionalNonNegativeInt(target.credentials, 'failEvery', 'mock') ?? 0;

    try {
      await abortableDelay(latencyMs, signal);
    } catch {
      throw new PublishError('transient', 'mock: aborted before publishing.', { platform: 'mock' });
    }

    const key = `${target.channelId}\u0000${idempotencyKey}`;
    const known = this.outcomes.get(key);
    if (known) return { ...known };

    const attempt = (this.attempts.get(target.channelId) ?? 0) + 1;
    this.attempts.set(target.channelId, attempt);
    if (failEvery > 0 && attempt % failEvery === 0) {
      throw new PublishError(
        'transient',
        `mock: rehearsed failure (attempt ${attempt} on this channel, failEvery ${failEvery}).`,
        { platform: 'mock', status: 503 },
      );
    }

    const outcome: PublishOutcome = {
      externalId: mockExternalId(target.channelId, idempotencyKey),
      externalUrl: `mock://${target.channelId}/${post.id}`,
    };
    this.outcomes.set(key, outcome);
    this.published.push({
      channelId: target.channelId,
      postId: post.id,
      idempotencyKey,
      ...outcome,
      text: composeText(post),
      publishedAt: this.clock.now(),
    });
    return { ...outcome };
  }

  /** Forgets publications and failure counters (between tests). */
  reset(): void {
    this.published.length = 0;
    this.outcomes.clear();
    this.attempts.clear();
  }
}
