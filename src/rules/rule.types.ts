export type RuleName = 'maxGap' | 'postsPerWeek' | 'maxPostsPerDay' | 'minSpacing' | 'quietHours' | 'mixMax' | 'mixMin';

export type Enforcement = 'block' | 'warn';

/** Wall-clock window 'HH:mm' in the channel zone; may span midnight (22:00-07:00). */
export interface QuietHours {
  start: string;
  end: string;
}

export interface CadenceRules {
  postsPerWeek?: number;
  maxGapHours?: number;
  maxPostsPerDay?: number;
  minSpacingMinutes?: number;
  quietHours?: QuietHours;
}

/** Shares between 0 and 1. */
export interface MixLimit {
  max?: number;
  min?: number;
}

/** `limits` is keyed by category key. */
export interface MixRules {
  windowDays: number;
  minPosts?: number;
  limits: Record<string, MixLimit>;
}

/** Every field optional; an absent one is not checked. `enforcement` defaults to 'warn'. */
export interface ChannelRules {
  enforcement?: Enforcement;
  cadence?: CadenceRules;
  mix?: MixRules;
}

/** A post that counts for the rules: scheduled, publishing or published. */
export interface TimelineEntry {
  id: string;
  at: Date;
  category: string;
}

/** weekday 1 = Monday .. 7 = Sunday; time 'HH:mm' in the channel zone. */
export interface PostingSlot {
  weekday: number;
  time: string;
}

export interface Violation {
  rule: RuleName;
  severity: Enforcement;
  message: string;
  postIds: string[];
  /** ISO instants (UTC). */
  from?: string;
  to?: string;
  measured?: number;
  limit?: number;
}

export type GapKind = 'planned_gap' | 'inactivity' | 'under_cadence';

export interface Gap {
  kind: GapKind;
  from: string;
  to: string;
  afterPostId?: string;
}

export interface TimeRange {
  from: Date;
  to: Date;
}
