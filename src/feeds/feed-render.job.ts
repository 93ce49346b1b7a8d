/**
 * One feed render, as the render worker runs it (feed-render.worker.ts): read the posts in
 * scope and the channels' plans with the worker's own database connection, judge the plans
 * with the pure rule engine (gaps and violations, one pass per channel), render the
 * document and encode it. Knows nothing about Nest or TypeORM, so that it loads in a worker
 * thread; everything in and out is plain, structured-cloneable data.
 */
import type { ChannelRules } from '../rules';
// Pure and dependency-free (no Nest, no TypeORM): the posts module's timeline query and
// its way of judging a plan, shared with PostsRepository and PlanService.
import { planInsights, planWindow } from '../posts/plan-insights';
import { timelineOf, timelineWindowQuery, type TimelineRow } from '../posts/posts.queries';
import { renderFeed } from './ical-feed.renderer';
import type { FeedEventPost, FeedGap, FeedPostStatus } from './ical-feed.types';

/** What a job needs of `pg`'s Client (or Pool). */
export interface Queryable {
  query<R = unknown>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** count, newest updated_at and sum of versions of the posts in scope. */
export interface PostsFingerprint {
  count: number;
  newest: number;
  versions: number;
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

/** Row of the posts query: only the columns a feed shows. */
export interface FeedPostRow {
  id: string;
  channel_id: string;
  status: FeedPostStatus;
  body: string;
  title: string | null;
  link: string | null;
  category: string;
  category_name: string | null;
  scheduled_at: Date;
  sequence: number;
  version: number;
  created_at: Date;
  updated_at: Date;
  external_url: string | null;
}

/** The posts in scope, by time; bounded by the workspace as well as by the channels. */
export const POSTS_IN_SCOPE_SQL = `
  SELECT p.id, p.channel_id, p.status, p.body, p.title, p.link, p.category, cat.name AS category_name,
         p.scheduled_at, p.sequence, p.version, p.created_at, p.updated_at, p.external_url
    FROM posts p
    LEFT JOIN categories cat ON cat.workspace_id = p.workspace_id AND cat.key = p.category
   WHERE p.channel_id = ANY ($1::uuid[]) AND p.workspace_id = $2
     AND p.scheduled_at >= $3 AND p.scheduled_at < $4 AND p.status = ANY ($5::text[])
   ORDER BY p.scheduled_at, p.id`;

/** Whether a channel's rules can give gaps or violations at all (else its plan is not read). */
export function hasPlanRules(rules: ChannelRules | null | undefined): boolean {
  if (!rules) return false;
  const cadence = rules.cadence ?? {};
  return Object.values(cadence).some((v) => v !== undefined && v !== null) || !!rules.mix;
}

/** The same fingerprint as FeedsRepository.postsFingerprint, over fetched rows. */
export function fingerprintOf(rows: FeedPostRow[]): PostsFingerprint {
  let newest = 0;
  let versions = 0;
  for (const r of rows) {
    const t = r.updated_at.getTime();
    if (t > newest) newest = t;
    versions += r.version;
  }
  return { count: rows.length, newest, versions };
}

export async function runFeedRenderJob(db: Queryable, job: FeedRenderJob): Promise<FeedRenderResult> {
  const from = new Date(job.from);
  const to = new Date(job.to);
  const channelIds = job.channels.map((c) => c.id);
  const rows =
    channelIds.length === 0
      ? []
      : (await db.query<FeedPostRow>(POSTS_IN_SCOPE_SQL, [channelIds, job.workspaceId, from, to, job.statuses])).rows;
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
  return { body: encode(text), fingerprint, stamp, events: posts.length + (job.includeGaps ? gaps.length : 0), warnings };
}

/**
 * Gaps and violations of one channel's plan over the window, as PlanService.insights
 * judges them: the same plan window (planWindow), read by the same query
 * (timelineWindowQuery), judged by the same function (planInsights).
 */
async function judgePlan(db: Queryable, job: FeedRenderJob, channel: FeedJobChannel, rules: ChannelRules, from: Date, to: Date) {
  const window = planWindow(rules, from, to);
  const q = timelineWindowQuery({ channelId: channel.id, workspaceId: job.workspaceId, from: window.from, to: window.to });
  const timeline = timelineOf((await db.query<TimelineRow>(q.text, q.values)).rows);
  const insights = planInsights(timeline, rules, channel.timezone, { from, to, now: new Date(job.judgedAt) }, { gaps: !job.includeGaps, mix: true });
  const gaps: FeedGap[] = insights.gaps.map((g) => ({
    channelId: channel.id,
    channelName: channel.name,
    from: new Date(g.from),
    to: new Date(g.to),
    kind: g.kind,
  }));
  return { gaps, violations: insights.violations };
}

function toEventPost(r: FeedPostRow, channelName: string, violations: string[] | undefined): FeedEventPost {
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
