/**
 * The contract between the publishing dispatcher and the code that talks to one platform.
 * An adapter publishes one post to one channel and either returns where it landed or
 * throws a {@link PublishError} that says whether trying again can help.
 */
import type { Platform } from '../../content/platform';

export { PLATFORMS, type Platform } from '../../content/platform';

export interface PublishablePost {
  id: string;
  body: string;
  title?: string | null;
  link?: string | null;
  media?: { url: string; alt?: string }[] | null;
  category: string;
  scheduledAt: Date;
}

export interface PublishTarget {
  channelId: string;
  platform: Platform;
  name: string;
  handle: string;
  /** Decrypted channel credentials; their shape depends on the platform (see docs/api.md). */
  credentials: Record<string, unknown>;
}

export interface PublishOutcome {
  externalId: string;
  externalUrl: string;
}

export abstract class PlatformAdapter {
  abstract readonly platform: Platform;

  /**
   * Publishes `post` to `target`. Calling it again with the same `idempotencyKey` (the
   * post's id) after an unknown outcome must not create a second publication.
   * Throws PublishError on failure; `signal` aborts the attempt.
   */
  abstract publish(
    post: PublishablePost,
    target: PublishTarget,
    idempotencyKey: string,
    signal?: AbortSignal,
  ): Promise<PublishOutcome>;
}
