import type { Platform } from './platform';
import { graphemeLength, mastodonLength } from './text-length';

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

/**
 * Whether `text` (see composeText) fits the platform's length limit: null when it fits or
 * the platform has none (mock, webhook), else by how much it is over, in a sentence.
 * Mastodon: 500 characters as its server counts them (grapheme clusters, every link 23,
 * `@user@domain` as `@user`; an instance may allow more). Bluesky: 300 graphemes.
 */
export function checkContentLimit(platform: Platform, text: string): ContentLimitExceeded | null {
  switch (platform) {
    case 'mastodon': {
      const length = mastodonLength(text);
      const limit = MASTODON_CHARACTER_LIMIT;
      if (length <= limit) return null;
      return {
        limit,
        length,
        unit: 'characters',
        over: length - limit,
        message: `The post is ${length} characters long as Mastodon counts them (each link counts as 23); the limit is ${limit}: shorten it by ${length - limit}.`,
      };
    }
    case 'bluesky': {
      const length = graphemeLength(text);
      const limit = BLUESKY_GRAPHEME_LIMIT;
      if (length <= limit) return null;
      return {
        limit,
        length,
        unit: 'graphemes',
        over: length - limit,
        message: `The post is ${length} characters (graphemes) long; Bluesky allows ${limit}: shorten it by ${length - limit}.`,
      };
    }
    case 'mock':
    case 'webhook':
      return null;
    default: {
      const unknown: never = platform;
      throw new Error(`checkContentLimit: unknown platform ${String(unknown)}`);
    }
  }
}
