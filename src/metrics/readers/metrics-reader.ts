/** A post's counts as its platform gives them; null: the platform has no such count. */
export interface PlatformCounts {
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  quotes: number | null;
}

/** One post a reader is asked about: the platform's id of the publication. */
export interface ReadTarget {
  postId: string;
  externalId: string;
}

/** What the platform said of one post: its counts, or that it is gone (deleted there). */
export type ReadOutcome = { kind: 'counts'; counts: PlatformCounts } | { kind: 'gone'; reason: string };

/**
 * Reads the counts of published posts from one platform. `read` asks about at most
 * `batchSize` posts of one channel at once and answers each of them; a failure of the whole
 * request (rate limit, outage, refused token) is thrown as a PublishError, whose kind and
 * retryAfterMs the collector acts on.
 */
export interface MetricsReader {
  readonly platform: string;
  readonly batchSize: number;
  read(
    channelId: string,
    credentials: Record<string, unknown>,
    targets: readonly ReadTarget[],
    signal?: AbortSignal,
  ): Promise<Map<string, ReadOutcome>>;
}

/** A count from a platform's JSON: a whole number 0 or more, else null (absent or nonsense). */
export function countField(record: Record<string, unknown> | undefined, key: string): number | null {
  const value = record?.[key];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2_147_483_647 ? value : null;
}
