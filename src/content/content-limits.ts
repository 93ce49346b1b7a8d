import type { Platform } from './platform';
import { graphemeLength, MASTODON_URL_LENGTH, mastodonLength } from './text-length';

export { composeText } from './compose-text';
export type { ComposablePost } from './compose-text';

export interface ContentLimitExceeded {
  limit: number;
  length: number;
  unit: 'characters' | 'graphemes';
  over: number;
  message: string;
}

export const MASTODON_CHARACTER_LIMIT = 500;
export const BLUESKY_GRAPHEME_LIMIT = 300;

/** How a platform counts and limits a post's text. */
export interface TextLimits {
  maxCharacters: number;
  /** `characters`: Mastodon's count (links weigh `urlWeight`); `graphemes`: Bluesky's. */
  unit: 'characters' | 'graphemes';
  urlWeight: number;
}

/** What a platform takes as media on one post; `null` in a field: no limit of that kind. */
export interface MediaLimits {
  /** Most attachments of any kind. */
  maxItems: number;
  maxImages: number;
  maxVideos: number;
  /** Whether images and a video may go on one post. */
  mixImagesAndVideo: boolean;
  /** MIME types taken, per kind; null: any of that kind. */
  imageMimeTypes: readonly string[] | null;
  videoMimeTypes: readonly string[] | null;
  /** Largest file; null when larger files are re-encoded to fit (Bluesky images). */
  imageMaxBytes: number | null;
  videoMaxBytes: number | null;
  videoMaxDurationMs: number | null;
  /** Longest alt text (grapheme clusters). */
  altMaxLength: number | null;
}

/** What one channel's platform takes (PlatformLimitsService.limitsFor); null parts: no limit. */
export interface PlatformLimits {
  platform: Platform;
  /** The name used in messages: `Mastodon (social.example)`, `Bluesky`. */
  name: string;
  /** `instance`: asked of the server itself; `default`: the platform's stock numbers. */
  source: 'instance' | 'default';
  text: TextLimits | null;
  media: MediaLimits | null;
}

export const MASTODON_DEFAULT_MEDIA: MediaLimits = {
  maxItems: 4,
  maxImages: 4,
  maxVideos: 1,
  mixImagesAndVideo: false,
  imageMimeTypes: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'image/avif'],
  videoMimeTypes: ['video/mp4', 'video/quicktime', 'video/webm', 'video/ogg'],
  imageMaxBytes: 16 * 1024 * 1024,
  videoMaxBytes: 99 * 1024 * 1024,
  videoMaxDurationMs: null,
  altMaxLength: 1_500,
};

export const BLUESKY_MEDIA: MediaLimits = {
  maxItems: 4,
  maxImages: 4,
  maxVideos: 1,
  mixImagesAndVideo: false,
  imageMimeTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
  videoMimeTypes: ['video/mp4'],
  // Larger images are re-encoded under 1,000,000 bytes at publish time; the library's own limit bounds them.
  imageMaxBytes: null,
  videoMaxBytes: 100_000_000,
  videoMaxDurationMs: 180_000,
  altMaxLength: null,
};

/** The stock limits of a platform, used when its server cannot be asked (Mastodon) or always. */
export function defaultLimits(platform: Platform): PlatformLimits {
  switch (platform) {
    case 'mastodon':
      return {
        platform,
        name: 'Mastodon',
        source: 'default',
        text: { maxCharacters: MASTODON_CHARACTER_LIMIT, unit: 'characters', urlWeight: MASTODON_URL_LENGTH },
        media: MASTODON_DEFAULT_MEDIA,
      };
    case 'bluesky':
      return {
        platform,
        name: 'Bluesky',
        source: 'default',
        text: { maxCharacters: BLUESKY_GRAPHEME_LIMIT, unit: 'graphemes', urlWeight: 0 },
        media: BLUESKY_MEDIA,
      };
    case 'mock':
    case 'webhook':
      return { platform, name: platform === 'mock' ? 'Mock' : 'Webhook', source: 'default', text: null, media: null };
    default: {
      const unknown: never = platform;
      throw new Error(`defaultLimits: unknown platform ${String(unknown)}`);
    }
  }
}

/**
 * Whether `text` (see composeText) fits `limits.text`: null when it fits or there is no
 * limit, else by how much it is over, in a sentence. Mastodon counts grapheme clusters,
 * every link as `urlWeight`, `@user@domain` as `@user`; Bluesky counts graphemes.
 */
export function checkText(limits: Pick<PlatformLimits, 'name' | 'text'>, text: string): ContentLimitExceeded | null {
  const rule = limits.text;
  if (!rule) return null;
  const limit = rule.maxCharacters;
  if (rule.unit === 'characters') {
    const length = mastodonLength(text, rule.urlWeight);
    if (length <= limit) return null;
    return {
      limit,
      length,
      unit: 'characters',
      over: length - limit,
      message: `The post is ${length} characters long as ${limits.name} counts them (each link counts as ${rule.urlWeight}); the limit is ${limit}: shorten it by ${length - limit}.`,
    };
  }
  const length = graphemeLength(text);
  if (length <= limit) return null;
  return {
    limit,
    length,
    unit: 'graphemes',
    over: length - limit,
    message: `The post is ${length} characters (graphemes) long; ${limits.name} allows ${limit}: shorten it by ${length - limit}.`,
  };
}

/**
 * Whether `text` fits the platform's stock length limit (checkText with defaultLimits).
 * Mastodon: 500 characters as its server counts them (an instance may allow more: ask
 * PlatformLimitsService); Bluesky: 300 graphemes; mock and webhook: none.
 */
export function checkContentLimit(platform: Platform, text: string): ContentLimitExceeded | null {
  return checkText(defaultLimits(platform), text);
}

/** One media item as checkMedia reads it. */
export interface CheckedMedia {
  kind: 'image' | 'video';
  mimeType: string;
  bytes: number;
  durationMs?: number | null;
  alt: string;
}

/** Sizes as people read them: binary megabytes where the number is one (16 MB = 16 MiB), else decimal. */
function size(bytes: number): string {
  const mib = 1024 * 1024;
  if (bytes >= mib && bytes % mib === 0) return `${bytes / mib} MB`;
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1).replace(/\.0$/, '')} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} kB`;
  return `${bytes} bytes`;
}

function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? (s > 0 ? `${m} min ${s} s` : `${m} min`) : `${s} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * The reasons a post's media cannot go to the platform, each a sentence naming the limit
 * and what to change ("Bluesky takes at most 4 images; this post has 5: remove 1."); empty
 * when it can. With `requireAltText` (the channel's setting), media without alt text is
 * refused too. Pure: limits come from PlatformLimitsService.
 */
export function checkMedia(
  limits: Pick<PlatformLimits, 'name' | 'media'>,
  media: readonly CheckedMedia[],
  requireAltText: boolean,
): string[] {
  const problems: string[] = [];
  const rule = limits.media;
  const name = limits.name;
  const images = media.filter((m) => m.kind === 'image').length;
  const videos = media.length - images;

  media.forEach((item, i) => {
    const label = `Item ${i + 1} (${item.kind})`;
    if (requireAltText && item.alt.trim() === '') {
      problems.push(`${label} has no alt text; this channel requires a description of every image and video: add one.`);
    }
    if (!rule) return;
    if (rule.altMaxLength !== null && graphemeLength(item.alt) > rule.altMaxLength) {
      problems.push(
        `${label} has an alt text of ${graphemeLength(item.alt)} characters; ${name} takes at most ${rule.altMaxLength}: shorten it.`,
      );
    }
    const types = item.kind === 'image' ? rule.imageMimeTypes : rule.videoMimeTypes;
    if (types && !types.includes(item.mimeType)) {
      problems.push(
        `${label} is ${item.mimeType}; ${name} takes ${item.kind}s of type ${types.join(', ')}: convert it.`,
      );
      return;
    }
    const maxBytes = item.kind === 'image' ? rule.imageMaxBytes : rule.videoMaxBytes;
    if (maxBytes !== null && item.bytes > maxBytes) {
      problems.push(
        `${label} is ${size(item.bytes)}; ${name} takes ${item.kind}s of at most ${size(maxBytes)}: make it smaller.`,
      );
    }
    if (
      item.kind === 'video' &&
      rule.videoMaxDurationMs !== null &&
      item.durationMs !== undefined &&
      item.durationMs !== null &&
      item.durationMs > rule.videoMaxDurationMs
    ) {
      problems.push(
        `${label} is ${duration(item.durationMs)} long; ${name} takes videos of at most ${duration(rule.videoMaxDurationMs)}: trim it.`,
      );
    }
  });
  if (!rule) return problems;

  if (videos > 0 && images > 0 && !rule.mixImagesAndVideo) {
    problems.push(
      `${name} takes either a video or images on one post; this post has ${plural(videos, 'video')} and ${plural(images, 'image')}: keep one kind.`,
    );
  }
  if (videos > rule.maxVideos) {
    problems.push(
      `${name} takes at most ${plural(rule.maxVideos, 'video')}; this post has ${videos}: remove ${videos - rule.maxVideos}.`,
    );
  }
  if (images > rule.maxImages) {
    problems.push(
      `${name} takes at most ${plural(rule.maxImages, 'image')}; this post has ${images}: remove ${images - rule.maxImages}.`,
    );
  } else if (media.length > rule.maxItems) {
    problems.push(
      `${name} takes at most ${plural(rule.maxItems, 'attachment')}; this post has ${media.length}: remove ${media.length - rule.maxItems}.`,
    );
  }
  return problems;
}
