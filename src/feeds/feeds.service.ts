import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { assertVersion } from '../common/if-match';
import { decodeCursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PlanService } from '../posts/plan.service';
import { PostsService } from '../posts/posts.service';
import type { PostsFingerprint, PostsScope } from '../posts/posts.queries';
import { DAY_MS, HOUR_MS } from '../rules';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { FeedCreateDto, FeedResponse, FeedUpdateDto, FeedWithUrl, mapFeed } from './dto/feed.dto';
import { DEFAULT_WINDOW_FUTURE_DAYS, DEFAULT_WINDOW_PAST_DAYS, FeedEntity } from './feed.entity';
import { generateFeedToken, hashFeedToken, isWellFormedToken, tokenMatches } from './feed-token';
import { FeedRenderCache } from './feed-render.cache';
import { hasPlanRules, type FeedRenderJob, type FeedRenderResult } from './feed-render.job';
import { FeedRenderError, FeedRenderPool } from './feed-render.pool';
import { FeedChanges, FeedScopeChannel, FeedScopeRead, FeedScopeRow, FeedsRepository } from './feeds.repository';
import type { FeedPostStatus } from './ical-feed.types';

/** Bump when the rendered bytes change for the same data (renderer or mapping changes). */
const RENDER_REVISION = 2;
/** Posts every feed shows; cancelled ones too, as STATUS:CANCELLED, so clients drop them. */
export const PUBLISHED_STATUSES: readonly FeedPostStatus[] = [
  'scheduled',
  'publishing',
  'published',
  'failed',
  'cancelled',
];
/** Added by includeDrafts. */
export const DRAFT_STATUSES: readonly FeedPostStatus[] = ['draft', 'in_review', 'approved'];
export const FEED_CACHE_MAX_BYTES = 256 * 1024 * 1024;
const MEMO_MAX = 10_000;

/** Where a request came from: builds subscription URLs and the host of every UID. */
export interface RequestOrigin {
  /** e.g. `https://palinsesto.example.com` (no trailing slash). */
  origin: string;
  hostname: string;
}

/** A resolved feed: its validators, and either the cached document or a way to get it. */
export interface OpenFeed {
  feedId: string;
  name: string;
  etag: string;
  lastModified: Date;
  cached?: Buffer;
  /**
   * The document: the one another request is rendering, else a new render (in the render
   * worker; cached once done). Its validators may be newer than the ones above when the
   * data moved on in between. Rejects with FeedUnavailableError when it cannot be rendered.
   */
  load(): Promise<FeedDocument>;
}

export interface FeedDocument {
  etag: string;
  lastModified: Date;
  body: Buffer;
}

/** The feed could not be rendered (the cause is logged); answered as a 503 problem. */
export class FeedUnavailableError extends Error {
  constructor() {
    super('The feed could not be rendered right now; the error has been logged. Try again later.');
    this.name = 'FeedUnavailableError';
  }
}

interface Memo {
  key: string;
  etag: string;
  stamp: number;
}

interface Window {
  from: Date;
  to: Date;
  anchor: Date;
}

@Injectable()
export class FeedsService {
  private readonly logger = new Logger('Feeds');
  readonly cache = new FeedRenderCache(FEED_CACHE_MAX_BYTES);
  /** feed id -> the ETag computed for a given channel state: 304s without touching posts. */
  private readonly memo = new Map<string, Memo>();
  /** `<feed id> <etag>` -> the document being rendered: concurrent cold requests render once. */
  private readonly inflight = new Map<string, Promise<FeedDocument>>();

  constructor(
    private readonly feeds: FeedsRepository,
    private readonly workspaces: WorkspacesService,
    private readonly channels: ChannelsService,
    private readonly posts: PostsService,
    private readonly plan: PlanService,
    private readonly renderer: FeedRenderPool,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ---- management (authenticated) ----

  async create(actor: Actor, workspaceId: string, dto: FeedCreateDto, origin: RequestOrigin): Promise<FeedWithUrl> {
    this.workspaces.assertOwn(actor, workspaceId);
    if (dto.channelIds) await this.assertChannels(workspaceId, dto.channelIds, 'leave channelIds out');
    const token = generateFeedToken();
    const feed = await this.feeds.transaction(async (m) => {
      const feed = await this.feeds.insert(m, {
        workspaceId,
        name: dto.name,
        channelIds: dto.channelIds ? [...dto.channelIds].sort() : null,
        includeDrafts: dto.includeDrafts ?? false,
        includeGaps: dto.includeGaps ?? false,
        windowPastDays: dto.windowDays?.past ?? DEFAULT_WINDOW_PAST_DAYS,
        windowFutureDays: dto.windowDays?.future ?? DEFAULT_WINDOW_FUTURE_DAYS,
        tokenHash: hashFeedToken(token),
        tokenRotatedAt: null,
        createdBy: actor.memberId,
      });
      await this.audit.record(
        actor,
        { action: 'feed.create', entityType: 'feed', entityId: feed.id, details: { name: dto.name } },
        m,
      );
      return feed;
    });
    return { ...mapFeed(feed), url: this.urlOf(token, origin) };
  }

  async list(
    actor: Actor,
    workspaceId: string,
    limit = DEFAULT_PAGE_SIZE,
    cursor?: string,
  ): Promise<Page<FeedResponse>> {
    this.workspaces.assertOwn(actor, workspaceId);
    const after = decodeCursor<{ createdAt: string; id: string }>(cursor, ['createdAt', 'id']);
    const rows = await this.feeds.list(workspaceId, { limit, after });
    return toPage(rows, limit, mapFeed, (f) => ({ createdAt: f.createdAt.toISOString(), id: f.id }));
  }

  async get(actor: Actor, workspaceId: string, feedId: string): Promise<FeedResponse> {
    return mapFeed(await this.find(actor, workspaceId, feedId));
  }

  /**
   * Changes what a feed shows (name, channels, drafts, gaps, window); its url stays, so
   * subscribers keep their subscription. `ifMatch`: the version the caller read (412 when stale).
   */
  async update(
    actor: Actor,
    workspaceId: string,
    feedId: string,
    dto: FeedUpdateDto,
    ifMatch?: number,
  ): Promise<FeedResponse> {
    const current = await this.find(actor, workspaceId, feedId);
    assertVersion(ifMatch, current.version, 'The feed');
    if (dto.channelIds) await this.assertChannels(workspaceId, dto.channelIds, 'set channelIds to null');
    const wanted: FeedChanges = {
      name: dto.name,
      channelIds:
        dto.channelIds === undefined ? undefined : dto.channelIds === null ? null : [...dto.channelIds].sort(),
      includeDrafts: dto.includeDrafts,
      includeGaps: dto.includeGaps,
      windowPastDays: dto.windowDays?.past,
      windowFutureDays: dto.windowDays?.future,
    };
    const changes: FeedChanges = {};
    for (const [key, value] of Object.entries(wanted) as [keyof FeedChanges, unknown][]) {
      if (value !== undefined && JSON.stringify(value) !== JSON.stringify(current[key]))
        (changes as Record<string, unknown>)[key] = value;
    }
    const changed = Object.keys(changes);
    if (changed.length === 0) return mapFeed(current);
    await this.feeds.transaction(async (m) => {
      if (!(await this.feeds.updateAtVersion(m, feedId, current.version, changes))) {
        const now = await this.feeds.findInWorkspace(workspaceId, feedId, m);
        if (!now) throw DomainError.notFound('Feed');
        assertVersion(current.version, now.version, 'The feed');
      }
      await this.audit.record(
        actor,
        { action: 'feed.update', entityType: 'feed', entityId: feedId, details: { changed } },
        m,
      );
    });
    this.forget(feedId);
    return mapFeed(await this.find(actor, workspaceId, feedId));
  }

  /** A new token; the old URL answers 404 from now on. */
  async rotate(actor: Actor, workspaceId: string, feedId: string, origin: RequestOrigin): Promise<FeedWithUrl> {
    await this.find(actor, workspaceId, feedId);
    const token = generateFeedToken();
    await this.feeds.transaction(async (m) => {
      await this.feeds.replaceToken(m, feedId, hashFeedToken(token), this.clock.now());
      await this.audit.record(actor, { action: 'feed.rotate', entityType: 'feed', entityId: feedId }, m);
    });
    this.forget(feedId);
    return { ...mapFeed(await this.find(actor, workspaceId, feedId)), url: this.urlOf(token, origin) };
  }

  async remove(actor: Actor, workspaceId: string, feedId: string): Promise<void> {
    await this.find(actor, workspaceId, feedId);
    await this.feeds.transaction(async (m) => {
      if (!(await this.feeds.delete(m, feedId))) throw DomainError.notFound('Feed');
      await this.audit.record(actor, { action: 'feed.delete', entityType: 'feed', entityId: feedId }, m);
    });
    this.forget(feedId);
  }

  private async find(actor: Actor, workspaceId: string, feedId: string): Promise<FeedEntity> {
    this.workspaces.assertOwn(actor, workspaceId);
    const feed = await this.feeds.findInWorkspace(workspaceId, feedId);
    if (!feed) throw DomainError.notFound('Feed');
    return feed;
  }

  /** channelIds must name active channels of this workspace, at least one. */
  private async assertChannels(workspaceId: string, channelIds: string[], forAll: string): Promise<void> {
    if (channelIds.length === 0)
      throw DomainError.invalid('channelIds', `give at least one channel, or ${forAll} for all`);
    const found = await this.channels.listActiveEntities(workspaceId, channelIds);
    const known = new Set(found.filter((c) => c.workspaceId === workspaceId).map((c) => c.id));
    const unknown = channelIds.filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw DomainError.invalid('channelIds', `no active channel ${unknown.join(', ')} in this workspace`);
  }

  private forget(feedId: string): void {
    this.cache.delete(feedId);
    this.memo.delete(feedId);
  }

  private urlOf(token: string, origin: RequestOrigin): string {
    return `${this.config.publicUrl ?? origin.origin}/ical/${token}.ics`;
  }

  // ---- the public feed ----

  /**
   * The feed a token opens, with its ETag and Last-Modified. Costs one query on the feed
   * and its channels (their plan revisions from PlanService's memory) while nothing changed
   * in them; a second, aggregate-only query over the posts in scope once a post of those
   * channels changed. Unknown, revoked and malformed tokens all answer the same 404.
   */
  async open(token: string, origin: RequestOrigin): Promise<OpenFeed> {
    if (!isWellFormedToken(token)) throw notFound();
    const read = await this.feeds.scopeByTokenHash(hashFeedToken(token));
    if (!read || !tokenMatches(token, read.tokenHash)) throw notFound();
    const feed = await this.withPlanRevisions(read);
    const now = this.clock.now();
    const host = this.uidHost(origin);
    const window = windowOf(feed, now);
    const bucket = judgeBucketOf(feed, now);
    const scope = this.scopeOf(feed, window);
    const memoKey = [feed.version, host, window.from.getTime(), window.to.getTime(), bucket, feed.state].join('|');
    let memo = this.memo.get(feed.id);
    if (!memo || memo.key !== memoKey) {
      const fp = await this.posts.fingerprintInScope(scope);
      memo = { key: memoKey, ...validators(feed, host, window, bucket, fp) };
      this.remember(feed.id, memo);
    }
    const etag = memo.etag;
    const lastModified = lastModifiedOf(memo.stamp, feed, window);
    const cached = this.cache.get(feed.id, etag);
    const base = { feedId: feed.id, name: feed.name, etag, lastModified };
    if (cached) return { ...base, cached, load: () => Promise.resolve({ etag, lastModified, body: cached }) };
    return {
      ...base,
      load: () => this.shared(`${feed.id} ${etag}`, () => this.render(feed, scope, host, window, bucket, memoKey)),
    };
  }

  /**
   * The feed's channels with the current plan revisions of their posts (never older than
   * the channels read), the state they make (`id:version:revision,...` by id) and the
   * latest write to any of their posts.
   */
  private async withPlanRevisions(read: FeedScopeRead): Promise<FeedScopeRow> {
    const revisions = await this.plan.currentRevisions(read.channels.map((c) => c.id));
    let touched: Date | null = null;
    const channels = read.channels.map((c) => {
      const { revision, changedAt } = revisions.get(c.id)!;
      if (changedAt && (!touched || changedAt > touched)) touched = changedAt;
      return { ...c, revision };
    });
    const state = channels.map((c) => `${c.id}:${c.version}:${c.revision}`).join(',');
    return { ...read, channels, state, postsTouchedAt: touched };
  }

  /** One render per document however many requests ask for it while it runs. */
  private shared(key: string, render: () => Promise<FeedDocument>): Promise<FeedDocument> {
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = render().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * Renders in the render worker, off the main thread: the worker reads the posts and the
   * channels' plans itself and answers the encoded document, so the main thread does no
   * per-event work. The rows it read are the truth: when they moved on since open(), the
   * memo and the cache follow them.
   */
  private async render(
    feed: FeedScopeRow,
    scope: PostsScope,
    host: string,
    window: Window,
    bucket: number,
    memoKey: string,
  ): Promise<FeedDocument> {
    const job: FeedRenderJob = {
      workspaceId: feed.workspaceId,
      channels: feed.channels.map((c) => ({ id: c.id, name: c.name, timezone: c.timezone, rules: c.rules })),
      from: scope.from.getTime(),
      to: scope.to.getTime(),
      statuses: scope.statuses,
      includeGaps: feed.includeGaps,
      judgedAt: judgedAtOf(bucket, window),
      name: feed.name,
      description: `Posts planned in Palinsesto on ${feed.channels.map((c) => c.name).join(', ') || 'no channel'}`,
      host,
      baseStamp: baseStampOf(feed),
    };
    let result: FeedRenderResult;
    try {
      result = await this.renderer.run<FeedRenderResult>({ type: 'render', job });
    } catch (error) {
      const reason = error instanceof FeedRenderError ? (error.stack ?? error.message) : String(error);
      this.logger.error(`Feed ${feed.id} could not be rendered: ${reason}`);
      throw new FeedUnavailableError();
    }
    for (const warning of result.warnings) this.logger.warn(`Feed ${feed.id}: ${warning}`);
    const v = validators(feed, host, window, bucket, result.fingerprint);
    if (v.stamp !== result.stamp) {
      // Both sides compute DTSTAMP the same way; a mismatch is a bug, and the ETag would lie.
      this.logger.error(`Feed ${feed.id}: rendered DTSTAMP ${result.stamp} differs from ${v.stamp}`);
      throw new FeedUnavailableError();
    }
    this.remember(feed.id, { key: memoKey, ...v });
    const body = Buffer.from(result.body);
    this.cache.set(feed.id, v.etag, body);
    return { etag: v.etag, lastModified: lastModifiedOf(v.stamp, feed, window), body };
  }

  private scopeOf(feed: FeedScopeRow, window: Window): PostsScope {
    return {
      workspaceId: feed.workspaceId,
      channelIds: feed.channels.map((c) => c.id),
      from: window.from,
      to: window.to,
      statuses: feed.includeDrafts ? [...DRAFT_STATUSES, ...PUBLISHED_STATUSES] : PUBLISHED_STATUSES,
    };
  }

  private remember(feedId: string, memo: Memo): void {
    this.memo.delete(feedId);
    this.memo.set(feedId, memo);
    if (this.memo.size > MEMO_MAX) this.memo.delete(this.memo.keys().next().value as string);
  }

  /** Right-hand side of every UID: PUBLIC_URL's host, else the host the request named. */
  private uidHost(origin: RequestOrigin): string {
    const host = this.config.publicUrl ? new URL(this.config.publicUrl).hostname : origin.hostname;
    return /^[A-Za-z0-9.-]{1,253}$/.test(host) ? host.toLowerCase() : 'palinsesto.invalid';
  }
}

function notFound(): DomainError {
  return DomainError.notFound('Feed');
}

/** [start of today (UTC) - past days, start of tomorrow + future days): moves once a day. */
function windowOf(feed: Pick<FeedScopeRow, 'windowPastDays' | 'windowFutureDays'>, now: Date): Window {
  const anchor = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return {
    anchor: new Date(anchor),
    from: new Date(anchor - feed.windowPastDays * DAY_MS),
    to: new Date(anchor + (feed.windowFutureDays + 1) * DAY_MS),
  };
}

/**
 * Whether a channel's plan is judged for the feed: only rules give violations and gaps
 * (gaps need cadence rules), so channels without rules are rendered from their posts alone.
 */
function judged(c: FeedScopeChannel): boolean {
  return hasPlanRules(c.rules);
}

/**
 * Gaps and violations depend on the clock (an ongoing gap grows, a week ends): the hour
 * they are judged in is part of the ETag of feeds that show them (0 for the others).
 */
function judgeBucketOf(feed: FeedScopeRow, now: Date): number {
  return feed.channels.some(judged) ? Math.floor(now.getTime() / HOUR_MS) : 0;
}

/** The instant plans are judged at: the start of the bucket's hour, so equal ETags mean equal bytes. */
function judgedAtOf(bucket: number, window: Window): number {
  return bucket > 0 ? bucket * HOUR_MS : window.anchor.getTime();
}

/** Newest change of the feed and its channels. */
function baseStampOf(feed: FeedScopeRow): number {
  let stamp = feed.updatedAt.getTime();
  for (const c of feed.channels) stamp = Math.max(stamp, Date.parse(c.updatedAt));
  return stamp;
}

/**
 * The strong ETag: a hash of everything the document is made of. `stamp` (the DTSTAMP of
 * every event) is the newest change among them, so equal inputs give equal bytes.
 */
function validators(feed: FeedScopeRow, host: string, window: Window, bucket: number, fp: PostsFingerprint) {
  const stamp = Math.max(baseStampOf(feed), fp.newest);
  const inputs = [
    RENDER_REVISION,
    feed.id,
    feed.version,
    host,
    window.from.getTime(),
    window.to.getTime(),
    bucket,
    // A channel's gaps and violations depend on every post of its plan, outside the window
    // too, and on its rules and zone (in its version): those channels count with the
    // revision of their posts; the others with their version only.
    feed.channels.map((c) => (judged(c) ? `${c.id}:${c.version}:${c.revision}` : `${c.id}:${c.version}`)).join(','),
    fp.count,
    fp.newest,
    fp.versions,
    stamp,
  ];
  const etag = `"${createHash('sha256').update(JSON.stringify(inputs)).digest('base64url').slice(0, 32)}"`;
  return { etag, stamp };
}

/**
 * Never older than a change that could alter the document: also counts the last write to
 * any post of the feed's channels (a deletion leaves no newer updated_at behind) and the
 * start of the current window day. It may run ahead of the content; If-None-Match is exact.
 */
function lastModifiedOf(stamp: number, feed: FeedScopeRow, window: Window): Date {
  return new Date(Math.max(stamp, feed.postsTouchedAt?.getTime() ?? 0, window.anchor.getTime()));
}
