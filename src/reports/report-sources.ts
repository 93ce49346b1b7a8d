import type { ReportLinkClicks, ReportSnapshot } from './report.types';

/**
 * What the reports read of other modules, declared here so that reports imports neither
 * metrics nor links: the composition root (src/app.module.ts) provides them from
 * MetricsService and LinksService through ReportsModule.forRoot.
 */
export abstract class ReportEngagement {
  /** The newest snapshot per post (posts without one are absent). */
  abstract latestFor(postIds: readonly string[]): Promise<Map<string, ReportSnapshot>>;
}

export abstract class ReportClicks {
  /** Clicks per tracked link of these posts within [from, to); links without clicks give 0. */
  abstract clicksByLink(postIds: readonly string[], from: Date, to: Date): Promise<ReportLinkClicks[]>;
}

/** The weekly digest's view of a channel (the alerts helper's DigestReports port; the lead aligns both at merge). */
export interface DigestChannelSummary {
  channelId: string;
  name: string;
  platform: string;
  timezone: string;
  postsPublished: number;
  postsPerWeekTarget: number | null;
  cadenceMet: boolean | null;
  longestGapHours: number | null;
  onTimeShare: number | null;
  failures: number;
  mix: { category: string; share: number; min: number | null; max: number | null; withinLimits: boolean }[];
  engagements: number | null;
  engagementsChange: number | null;
  clicks: number | null;
  clicksChange: number | null;
  reasonMissing: string[];
}
