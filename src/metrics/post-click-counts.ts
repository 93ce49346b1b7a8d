/**
 * Where a snapshot's `clicks` come from: the first-party tracked links' clicks of each post up
 * to an instant. Metrics declares it and takes it `@Optional()`; the links module provides it
 * (wired in the composition root). Without it, or for a post whose channel does not track
 * links (absent from the map), a snapshot's `clicks` is null.
 */
export abstract class PostClickCounts {
  abstract countsByPost(postIds: readonly string[], until: Date): Promise<Map<string, number>>;
}
