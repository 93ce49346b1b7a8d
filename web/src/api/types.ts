/** The public API's answers as the page uses them (see docs/api.md and /docs). */

export type Role = 'viewer' | 'editor' | 'lead';
export type Platform = 'mock' | 'webhook' | 'mastodon' | 'bluesky';
export type PostStatus =
  'draft' | 'in_review' | 'approved' | 'scheduled' | 'publishing' | 'published' | 'failed' | 'cancelled';
export type GapKind = 'planned_gap' | 'inactivity' | 'under_cadence';

export interface Workspace {
  id: string;
  name: string;
  timezone: string;
}

export interface Me {
  memberId: string;
  name: string;
  role: Role;
  workspace: Workspace;
  /** How the page is signed in: by the session cookie (or, for scripts, an api key). */
  via?: 'session' | 'api_key';
  user?: User | null;
  memberships?: Membership[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Category {
  key: string;
  name: string;
  color: string | null;
}

export interface MixLimit {
  max?: number;
  min?: number;
}

export interface ChannelRules {
  enforcement?: 'block' | 'warn';
  cadence?: {
    postsPerWeek?: number;
    maxGapHours?: number;
    maxPostsPerDay?: number;
    minSpacingMinutes?: number;
    quietHours?: { start: string; end: string };
  };
  mix?: { windowDays: number; minPosts?: number; limits: Record<string, MixLimit> };
}

export interface PostingSlot {
  weekday: number;
  time: string;
}

export interface Channel {
  id: string;
  name: string;
  platform: Platform;
  handle: string;
  timezone: string;
  status: string;
  purpose: string | null;
  audience: string | null;
  goal: string | null;
  /** Free text, or a measurable KPI (docs/api.md "Measurable KPIs"). */
  kpis: KpiItem[] | null;
  guidelines: string | null;
  approvalRequired: boolean;
  /** Media without alt text is refused (default true). */
  requireAltText?: boolean;
  rules: ChannelRules;
  postingSlots: PostingSlot[];
  utm: { campaign: string } | null;
  version: number;
  avatarUrl?: string | null;
  connection?: ChannelConnection;
}

export interface Post {
  id: string;
  channelId: string;
  status: PostStatus;
  title: string | null;
  body: string;
  link: string | null;
  category: string;
  scheduledAt: string | null;
  publishedAt: string | null;
  externalUrl: string | null;
  lastError: string | null;
  /** The post's media, in order: library ids with the post's own alt text (if any). */
  media?: PostMedia[];
  version: number;
}

export interface Violation {
  rule: string;
  severity: 'block' | 'warn';
  message: string;
  postIds: string[];
  from?: string;
  to?: string;
}

export interface Gap {
  kind: GapKind;
  from: string;
  to: string;
}

export interface ChannelCalendar {
  channel: Channel;
  posts: Post[];
  gaps: Gap[];
  violations: Violation[];
  mix: Record<string, number>;
}

export interface WorkspaceCalendar {
  from: string;
  to: string;
  channels: ChannelCalendar[];
}

export type AlertKind = GapKind | 'publish_failed' | 'connection_broken' | 'kpi_missed';

export interface Alert {
  id: string;
  kind: AlertKind;
  channelId: string;
  from: string;
  to: string;
  openedAt: string;
  resolvedAt: string | null;
  message: string;
  /** `settling`: a planned gap not sent to anyone yet; it goes out at `settlesAt` unless filled first. */
  delivery?: 'settling' | 'delivered' | 'withheld';
  settlesAt?: string | null;
}

export interface Feed {
  id: string;
  name: string;
  channelIds: string[] | null;
  includeDrafts: boolean;
  includeGaps: boolean;
  createdAt: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
  violations?: Violation[];
}

/** What a post change answers: the post, plus violations of a `warn` channel. */
export type PostWithViolations = Post & { violations?: Violation[] };

/** What the last connection check of a channel found (POST /v1/channels/{id}/check-connection, daily). */
export interface ChannelConnection {
  state: 'ok' | 'broken' | 'unknown';
  checkedAt: string | null;
  problem?: string;
}

/** A person's account (docs/api.md "People and sessions"). */
export interface User {
  id: string;
  name: string;
  email: string;
  emailVerified?: boolean;
}

/** One of the user's workspaces, with their role in it. */
export interface Membership {
  memberId: string;
  workspaceId: string;
  workspaceName: string;
  timezone: string;
  role: Role;
}

/** `GET /v1/me` by cookie for a user in no workspace: the member fields are null. */
export type SignedInMe = Omit<Me, 'memberId' | 'name' | 'role' | 'workspace'> & {
  memberId: string | null;
  name: string | null;
  role: Role | null;
  workspace: Workspace | null;
};

export interface Member {
  id: string;
  workspaceId: string;
  name: string;
  email: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

export interface Invitation {
  id: string;
  workspaceId: string;
  email: string;
  role: Role;
  expiresAt: string;
  createdAt: string;
  emailSent?: boolean;
}

export interface PersonalToken {
  id: string;
  name: string;
  workspaceId: string;
  readOnly: boolean;
  lastUsedAt: string | null;
  createdAt: string;
}

/** What the sign-in screen offers (`GET /v1/auth/providers`). */
export interface AuthProviders {
  signUp: 'open' | 'token' | 'closed';
  oidc: { enabled: boolean; label: string | null };
}

/** One item of a post's media: a library file, with an alt text that overrides the library's. */
export interface PostMedia {
  id: string;
  alt?: string | null;
}

/** A file of the workspace's media library (POST/GET /v1/workspaces/{wid}/media). */
export interface MediaItem {
  id: string;
  kind: 'image' | 'video';
  mimeType: string;
  bytes: number;
  width: number | null;
  height: number | null;
  durationMs?: number | null;
  alt: string | null;
  url: string;
  thumbnailUrl: string | null;
  createdAt?: string;
}

/** What a channel's platform takes (GET /v1/channels/{cid}/limits); null parts: no limit. */
export interface PlatformLimits {
  platform: Platform;
  name: string;
  source: 'instance' | 'default';
  text: { maxCharacters: number; unit: 'characters' | 'graphemes'; urlWeight: number } | null;
  media: {
    maxItems: number;
    maxImages: number;
    maxVideos: number;
    mixImagesAndVideo: boolean;
    imageMimeTypes: string[] | null;
    videoMimeTypes: string[] | null;
    imageMaxBytes: number | null;
    videoMaxBytes: number | null;
    videoMaxDurationMs: number | null;
    altMaxLength: number | null;
  } | null;
}

// --- Reports (issue 15: GET /v1/channels/{cid}/report, GET /v1/workspaces/{wid}/report) ---

/** A report's days in the channel's (workspace's) zone, `to` inclusive; start/end the instants. */
export interface ReportPeriod {
  from: string;
  to: string;
  start: string;
  end: string;
}

/** Whether the channel says why it exists (purpose, audience, goal, KPIs); `missing` names the absent ones. */
export interface ReportReason {
  purpose: boolean;
  audience: boolean;
  goal: boolean;
  kpis: boolean;
  missing: string[];
  complete: boolean;
}

export interface DisciplineFigures {
  postsPublished: number;
  postsPerWeekTarget: number | null;
  weeksMet: number;
  weeksJudged: number;
  longestGapHours: number | null;
  onTimeShare: number | null;
  latenessP50Seconds: number | null;
  latenessP95Seconds: number | null;
  failures: number;
  overrides: number;
}

export interface ReportWeek {
  weekStart: string;
  published: number;
  target: number | null;
  /** null: not judged (no target, cut by the period's edges, or not over yet). */
  met: boolean | null;
  partial?: boolean;
}

export interface ReportDiscipline extends DisciplineFigures {
  weeks: ReportWeek[];
  previous: DisciplineFigures | null;
}

export interface ReportMix {
  limits: { category: string; min: number | null; max: number | null }[];
  weeks: { weekStart: string; shares: Record<string, number> }[];
  overall: {
    category: string;
    posts: number;
    share: number;
    min: number | null;
    max: number | null;
    withinLimits: boolean;
  }[];
  previous: { category: string; posts: number; share: number }[];
}

export interface EngagementTotals {
  posts: number;
  /** Posts with at least one snapshot (the divisor of perPost). */
  measured?: number;
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  quotes: number | null;
  engagements: number | null;
  perPost: number | null;
}

export interface ReportPostRow {
  postId: string;
  publishedAt: string;
  category: string;
  campaign: string | null;
  url: string | null;
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  quotes: number | null;
  engagements: number | null;
  clicks: number | null;
  metricsAt?: string | null;
}

export interface ReportEngagement {
  totals: EngagementTotals;
  previous: EngagementTotals | null;
  posts: ReportPostRow[];
  byCategory: { category: string; posts: number; engagements: number | null; perPost: number | null }[];
  byCampaign: { campaign: string | null; posts: number; engagements: number | null; clicks: number | null }[];
}

export interface ReportClicks {
  total: number | null;
  previous: number | null;
  byPost: { postId: string; clicks: number }[];
  byLink: { postId: string; url: string; clicks: number }[];
  byCampaign: { campaign: string | null; clicks: number }[];
}

/** weekday 1 = Monday .. 7 = Sunday, hour 0-23 in the channel's zone; only cells with posts. */
export interface BestTimeCell {
  weekday: number;
  hour: number;
  posts: number;
  medianEngagement: number | null;
}

export type KpiMetric = 'posts' | 'clicks' | 'engagements' | 'engagementPerPost' | 'informativeShare';

export type ReportKpi =
  | { text: string }
  | {
      metric: KpiMetric;
      period: 'week' | 'month';
      target: number;
      periods: { start: string; actual: number | null; met: boolean | null }[];
      met: number;
      missed: number;
      missedInARow: number;
    };

export interface ChannelReport {
  channel: { id: string; name: string; platform: Platform; timezone: string };
  period: ReportPeriod;
  previousPeriod: { from: string; to: string };
  reason: ReportReason;
  discipline: ReportDiscipline;
  mix: ReportMix;
  engagement: ReportEngagement;
  clicks: ReportClicks;
  bestTimes?: { cells: BestTimeCell[] };
  kpis: ReportKpi[];
}

export interface WorkspaceReport {
  workspace: Workspace;
  period: ReportPeriod;
  channels: ChannelReport[];
  totals: { postsPublished: number; engagements: number | null; clicks: number | null };
}

/** One snapshot of a published post's counts (GET /v1/posts/{pid}/metrics); null: the platform has no such count. */
export interface MetricSnapshot {
  at: string;
  likes: number | null;
  reposts: number | null;
  replies: number | null;
  quotes: number | null;
  clicks: number | null;
}

/** A KPI with a target per week or month (docs/api.md "Measurable KPIs"). */
export interface MeasurableKpi {
  metric: 'posts' | 'clicks' | 'engagements' | 'engagementPerPost' | 'informativeShare';
  period: 'week' | 'month';
  target: number;
  alertAfter?: number;
}

export type KpiItem = string | MeasurableKpi;
