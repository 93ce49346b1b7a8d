/**
 * What the weekly digest shows of each channel's period when a reports module provides it
 * (ReportsService.channelSummaries implements it; the composition root wires it in
 * src/ports.module.ts). Without it the digest takes discipline and mix from the plan's
 * rule engine and leaves results out, saying so.
 */
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
  /** The difference from the previous period (a count: +12, -3), null when either is unknown. */
  engagementsChange: number | null;
  clicks: number | null;
  /** As engagementsChange, for the clicks. */
  clicksChange: number | null;
  reasonMissing: string[]; // purpose/audience/goal/kpis absent
}

export abstract class DigestReports {
  abstract channelSummaries(workspaceId: string, from: Date, to: Date): Promise<DigestChannelSummary[]>;
}
