/**
 * The contract between the publishing dispatcher and the code that talks to one platform.
 * An adapter publishes one post to one channel and either returns where it landed or
 * throws a {@link PublishError} that says whether trying again can help.
 */
import type { Readable } from 'node:stream';
import type { Platform } from '../../content/platform';

export { PLATFORMS, type Platform } from '../../content/platform';

/** What {@link PublishableMedia.open} gives: the bytes to send and what they are. */
export interface OpenedMedia {
  stream: Readable;
  bytes: number;
  mimeType: string;
  width?: number;
  height?: number;
}

/**
 * One file of the media library as a post carries it, ready to be sent. The adapter never
 * sees storage: it opens the file (re-encoded to fit `maxBytes` when the platform needs it).
 */
export interface PublishableMedia {
  /** Library id, stable across attempts (the ledger's key). */
  id: string;
  kind: 'image' | 'video';
  mimeType: string;
  bytes: number;
  sha256: string;
  width?: number;
  height?: number;
  durationMs?: number;
  /** Already resolved (the post item's alt overrides the library's); '' when there is none. */
  alt: string;
  /** Focal point, x and y in -1..1 (Mastodon's convention: 0,0 the centre, y up). */
  focus?: { x: number; y: number } | null;
  /** Opens the file; with maxBytes an image larger than that comes back re-encoded to fit (the library keeps the original). */
  open(opts?: { maxBytes?: number }): Promise<OpenedMedia>;
  /** A signed, expiring URL to the file (the webhook platform forwards these). */
  url: string;
}

/** The legacy URL form of media: only the webhook platform forwards it. */
export interface MediaUrl {
  url: string;
  alt?: string;
}

/**
 * Platform media ids uploaded for this post, kept across attempts so a retry reuses them.
 * One ledger is one post on one platform (see MediaUploadsRepository.ledgerFor); a value is
 * the platform's id (Mastodon) or a JSON blob ref (Bluesky).
 */
export interface MediaUploadLedger {
  get(mediaId: string): Promise<string | null>;
  put(mediaId: string, platformMediaId: string): Promise<void>;
}

export interface PublishablePost {
  id: string;
  body: string;
  title?: string | null;
  link?: string | null;
  /**
   * The post's media in order. Until the dispatcher hands over library media, it may still
   * pass the legacy `{url, alt?}` entries here: adapters treat those as `mediaUrls` (see
   * splitMedia). Mastodon and Bluesky refuse a post with URL media (never published without it).
   */
  media?: readonly (PublishableMedia | MediaUrl)[] | null;
  /** Legacy URL media (the webhook platform forwards them as they are). */
  mediaUrls?: readonly MediaUrl[] | null;
  category: string;
  scheduledAt: Date;
  /**
   * Tracked links (channel `trackLinks`): each `{PUBLIC_URL}/l/{code}` in the body and link,
   * with the page it redirects to. A link card describes that page, not the redirect.
   */
  linkTargets?: Readonly<Record<string, string>>;
}

/** Whether a media entry is a library file (rather than the legacy URL form). */
export function isLibraryMedia(item: PublishableMedia | MediaUrl): item is PublishableMedia {
  return typeof (item as Partial<PublishableMedia>).open === 'function';
}

/** A post's media, library files and URL entries apart, each in order. */
export function splitMedia(post: Pick<PublishablePost, 'media' | 'mediaUrls'>): {
  files: PublishableMedia[];
  urls: MediaUrl[];
} {
  const files: PublishableMedia[] = [];
  const urls: MediaUrl[] = [...(post.mediaUrls ?? [])];
  for (const item of post.media ?? []) {
    if (isLibraryMedia(item)) files.push(item);
    else urls.push({ url: item.url, ...(item.alt ? { alt: item.alt } : {}) });
  }
  return { files, urls };
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
   *
   * `ledger` records the platform media ids uploaded for this post (one ledger per post and
   * platform): an adapter puts each id right after its upload and, on a later attempt,
   * reuses what is recorded instead of uploading again. Without one, an in-memory ledger
   * for this call only (media is uploaded again on a retry).
   */
  abstract publish(
    post: PublishablePost,
    target: PublishTarget,
    idempotencyKey: string,
    signal?: AbortSignal,
    ledger?: MediaUploadLedger,
  ): Promise<PublishOutcome>;
}
