/** The platforms Palinsesto publishes to; each has an adapter under src/publishing/adapters. */
export type Platform = 'mock' | 'webhook' | 'mastodon' | 'bluesky';

export const PLATFORMS: readonly Platform[] = ['mock', 'webhook', 'mastodon', 'bluesky'];
