/** One snapshot of a post's counts on its platform, as `GET /v1/posts/{pid}/metrics` has it. */
export interface MetricSnapshot {
  at: Date;
  /** null: the platform has no such count (or did not give it). */
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  quotes: number | null;
  /** First-party clicks on the post's tracked links up to `at`; null when not tracked. */
  clicks: number | null;
}

/** Who took a snapshot: the collector (at a step), the webhook platform's endpoint, or record(). */
export type SnapshotSource = 'collector' | 'webhook' | 'recorded';
