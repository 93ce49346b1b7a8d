/**
 * One feed render, as the render worker runs it (feed-render.worker.ts): read the posts in
 * scope and the channels' plans with the worker's own database connection, judge the plans
 * with the pure rule engine (gaps and violations, one pass per channel), render the
 * document and encode it. Knows nothing about Nest or TypeORM, so that it loads in a worker
 * thread; everything in and out is plain, structured-cloneable data.
 */
import type { ChannelRules } from '../rules';
// Pure and dependency-free (no Nest, no TypeORM): the posts module's queries (the posts in
// scope and their fingerprint, the timeline) and its way of judging a plan, shared with
// PostsRepository and PlanService.
import { planInsights, planWindow } from '../posts/plan-insights';
import {
  fingerprintOf,
  postsInScopeQuery,
  timelineOf,
  timelineWindowQuery,
  type PostInScopeRow,
  type PostsFingerprint,
  type TimelineRow,
} from '../posts/posts.queries';
import { renderFeed } from './ical-feed.renderer';
import type { FeedEventPost, FeedGap, FeedPostStatus } from './ical-feed.types';

/** What a job needs of `pg`'s Client (or Pool). */
export interface Queryable {
  query<R = unknown>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface FeedJobChannel {
  id: string;
  name: string;
  timezone: string;
  /** The channel's stored rules (docs/api.md "Channels"); `{}` when it has none. */
  rules: ChannelRules | null;
}

export interface FeedRenderJob {
  workspaceId: string;
  /** Active channels of the feed, ordered by id. */
  channels: FeedJobChannel[];
  /** Window [from, to) in ms since the epoch. */
  from: number;
  to: number;
  statuses: readonly FeedPostStatus[];
  includeGaps: boolean;
  /** The instant the plans are judged at (start of an hour): equal inputs give equal bytes. */
  judgedAt: number;
  name: string;
  description: string;
  /** Right-hand side of every UID. */
  host: string;
  /** Newest change of the feed and its channels; DTSTAMP is the newer of it and the posts'. */
  baseStamp: number;
}

export interface FeedRenderResult {
  /** The UTF-8 document, in an ArrayBuffer of its own (transferred, never copied). */
  body: ArrayBuffer;
  fingerprint: PostsFingerprint;
  /** DTSTAMP of every event. */
  stamp: number;
  events: number;
  /** Non-fatal problems (a channel whose plan could not be judged), for the log. */
  warnings: string[];
}

/** Whether a channel's rules can give gaps or violations at all (else its plan is not read). */
export function hasPlanRules(rules: ChannelRules | null | undefined): boolean {
  if (!rules) return false;
  const cadence = rules.cadence ?? {};
  return Object.values(cadence).some((v) => v !== undefined && v !== null) || !!rules.mix;
}

export async function runFeedRenderJob(db: Queryable, job: FeedRenderJob): Promise<FeedRenderResult> {
  const from = new Date(job.from);
  const to = new Date(job.to);
  const channelIds = job.channels.map((c) => c.id);
  const scope = { workspaceId: job.workspaceId, channelIds, from, to, statuses: job.statuses };
  const q = postsInScopeQuery(scope);
  const rows = channelIds.length === 0 ? [] : (await db.query<PostInScopeRow>(q.text, q.values)).rows;
  // The fingerprint the feed service compares with PostsService.fingerprintInScope's.
  const fingerprint = fingerprintOf(rows);
  const stamp = Math.max(job.baseStamp, fingerprint.newest);

  const warnings: string[] = [];
  const gaps: FeedGap[] = [];
  const violations = new Map<string, string[]>();
  for (const channel of job.channels) {
    const rules = channel.rules ?? {};
    if (!hasPlanRules(rules)) continue;
    try {
      const plan = await judgePlan(db, job, channel, rules, from, to);
      for (const gap of plan.gaps) gaps.push(gap);
      for (const v of plan.violations) {
        for (const id of v.postIds) {
          const list = violations.get(id);
          if (!list) violations.set(id, [v.message]);
          else if (!list.includes(v.message)) list.push(v.message);
        }
      }
    } catch (error) {
      // A feed without one channel's gaps and violations beats no feed.
      warnings.push(`the plan of channel ${channel.id} could not be judged: ${(error as Error).message}`);
    }
  }
  gaps.sort((a, b) => a.from.getTime() - b.from.getTime() || a.channelId.localeCompare(b.channelId));

  const names = new Map(job.channels.map((c) => [c.id, c.name]));
  const posts = rows.map((r) => toEventPost(r, names.get(r.channel_id) ?? '', violations.get(r.id)));
  const text = renderFeed({
    name: job.name,
    description: job.description,
    host: job.host,
    generatedAt: new Date(stamp),
    posts,
    gaps: job.includeGaps ? gaps : undefined,
  });
  return {
    body: encode(text),
    fingerprint,
    stamp,
    events: posts.length + (job.includeGaps ? gaps.length : 0),
    warnings,
  };
}

/**
 * Gaps and violations of one channel's plan over the window, as PlanService.insights
 * judges them: the same plan window (planWindow), read by the same query
 * (timelineWindowQuery), judged by the same function (planInsights).
 */
async function judgePlan(
  db: Queryable,
  job: FeedRenderJob,
  channel: FeedJobChannel,
  rules: ChannelRules,
  from: Date,
  to: Date,
) {
  const window = planWindow(rules, from, to);
  const q = timelineWindowQuery({
    channelId: channel.id,
    workspaceId: job.workspaceId,
    from: window.from,
    to: window.to,
  });
  const timeline = timelineOf((await db.query<TimelineRow>(q.text, q.values)).rows);
  const insights = planInsights(
    timeline,
    rules,
    channel.timezone,
    { from, to, now: new Date(job.judgedAt) },
    { gaps: !job.includeGaps, mix: true },
  );
  const gaps: FeedGap[] = insights.gaps.map((g) => ({
    channelId: channel.id,
    channelName: channel.name,
    from: new Date(g.from),
    to: new Date(g.to),
    kind: g.kind,
  }));
  return { gaps, violations: insights.violations };
}

function toEventPost(r: PostInScopeRow, channelName: string, violations: string[] | undefined): FeedEventPost {
  return {
    id: r.id,
    channelId: r.channel_id,
    channelName,
    channelZone: 'UTC',
    body: r.body,
    title: r.title,
    link: r.link,
    category: r.category,
    categoryName: r.category_name ?? undefined,
    status: r.status,
    scheduledAt: r.scheduled_at,
    sequence: r.sequence,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    externalUrl: r.external_url,
    violations,
  };
}

/**
 * UTF-8 bytes in an ArrayBuffer that holds nothing else: a small Buffer.from() would sit in
 * the shared pool, and transferring the pool would detach every other small buffer.
 */
function encode(text: string): ArrayBuffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  bytes.write(text, 'utf8');
  return bytes.buffer as ArrayBuffer;
}
