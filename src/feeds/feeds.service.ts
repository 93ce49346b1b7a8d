import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Actor } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { CalendarService } from '../calendar/calendar.service';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { FeedCreateDto, FeedResponse, FeedWithUrl, mapFeed } from './dto/feed.dto';
import { DEFAULT_WINDOW_FUTURE_DAYS, DEFAULT_WINDOW_PAST_DAYS, FeedEntity } from './feed.entity';
import { generateFeedToken, hashFeedToken, isWellFormedToken, tokenMatches } from './feed-token';
import { FeedRenderCache } from './feed-render.cache';
import { FeedPostRow, FeedScopeRow, FeedsRepository, fingerprintOf, PostsFingerprint, PostsScope } from './feeds.repository';
import { renderFeedChunks } from './ical-feed.renderer';
import type { FeedCalendar, FeedEventPost, FeedGap, FeedPostStatus } from './ical-feed.types';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Bump when the rendered bytes change for the same data (renderer or mapping changes). */
const RENDER_REVISION = 1;
/** Posts every feed shows; cancelled ones too, as STATUS:CANCELLED, so clients drop them. */
export const PUBLISHED_STATUSES: readonly FeedPostStatus[] = ['scheduled', 'publishing', 'published', 'failed', 'cancelled'];
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

/** A resolved feed: its validators, and either the cached document or a way to render it. */
export interface OpenFeed {
  feedId: string;
  name: string;
  etag: string;
  lastModified: Date;
  cached?: Buffer;
  /** Another request is rendering this very document: its bytes once done (undefined if it failed). */
  pending?: Promise<Buffer | undefined>;
  /** Renders (streamed in pieces), caches on completion. Absent when cached. */
  render?: () => Promise<RenderedFeed>;
}

export interface RenderedFeed {
  /** The ETag of what is actually rendered (data may have moved on since `OpenFeed.etag`). */
  etag: string;
  lastModified: Date;
  chunks: AsyncGenerator<Buffer, void, undefined>;
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
  private readonly inflight = new Map<string, Promise<Buffer | undefined>>();

  constructor(
    private readonly feeds: FeedsRepository,
    private readonly workspaces: WorkspacesService,
    private readonly channels: ChannelsService,
    private readonly calendar: CalendarService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  // ---- management (authenticated) ----

  async create(actor: Actor, workspaceId: string, dto: FeedCreateDto, origin: RequestOrigin): Promise<FeedWithUrl> {
    this.workspaces.assertOwn(actor, workspaceId);
    if (dto.channelIds) {
      const found = await this.channels.listActiveEntities(workspaceId, dto.channelIds.length ? dto.channelIds : undefined);
      const known = new Set(found.map((c) => c.id));
      const unknown = dto.channelIds.filter((id) => !known.has(id));
      if (unknown.length > 0) {
        throw DomainError.invalid('channelIds', `no active channel ${unknown.join(', ')} in this workspace`);
      }
      if (dto.channelIds.length === 0) throw DomainError.invalid('channelIds', 'give at least one channel, or leave channelIds out for all');
    }
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
      await this.audit.record(actor, { action: 'feed.create', entityType: 'feed', entityId: feed.id, details: { name: dto.name } }, m);
      return feed;
    });
    return { ...mapFeed(feed), url: this.urlOf(token, origin) };
  }

  async list(actor: Actor, workspaceId: string, limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<Page<FeedResponse>> {
    this.workspaces.assertOwn(actor, workspaceId);
    const after = decodeCursor<{ createdAt: string; id: string }>(cursor, ['createdAt', 'id']);
    const rows = await this.feeds.list(workspaceId, { limit, after });
    return toPage(rows, limit, mapFeed, (f) => ({ createdAt: f.createdAt.toISOString(), id: f.id }));
  }

  async get(actor: Actor, workspaceId: string, feedId: string): Promise<FeedResponse> {
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
   * and its channels while nothing changed in them; a second, aggregate-only query over the
   * posts in scope once a post of those channels changed. Unknown, revoked and malformed
   * tokens all answer the same 404.
   */
  async open(token: string, origin: RequestOrigin): Promise<OpenFeed> {
    if (!isWellFormedToken(token)) throw notFound();
    const feed = await this.feeds.scopeByTokenHash(hashFeedToken(token));
    if (!feed || !tokenMatches(token, feed.tokenHash)) throw notFound();
    const now = this.clock.now();
    const host = this.uidHost(origin);
    const window = windowOf(feed, now);
    const gapsBucket = feed.includeGaps ? Math.floor(now.getTime() / HOUR_MS) : 0;
    const scope = this.scopeOf(feed, window);
    const memoKey = [feed.version, host, window.from.getTime(), window.to.getTime(), gapsBucket, feed.state].join('|');
    let memo = this.memo.get(feed.id);
    if (!memo || memo.key !== memoKey) {
      const fp = await this.feeds.postsFingerprint(scope);
      memo = { key: memoKey, ...validators(feed, host, window, gapsBucket, fp) };
      this.remember(feed.id, memo);
    }
    const lastModified = lastModifiedOf(memo.stamp, feed, window);
    const cached = this.cache.get(feed.id, memo.etag);
    const base = { feedId: feed.id, name: feed.name, etag: memo.etag, lastModified };
    if (cached) return { ...base, cached };
    const pending = this.inflight.get(`${feed.id} ${memo.etag}`);
    if (pending) return { ...base, pending };
    return { ...base, render: () => this.render(feed, scope, host, window, gapsBucket, memoKey) };
  }

  private async render(feed: FeedScopeRow, scope: PostsScope, host: string, window: Window, gapsBucket: number, memoKey: string): Promise<RenderedFeed> {
    const rows = await this.feeds.postsInScope(scope);
    const v = validators(feed, host, window, gapsBucket, fingerprintOf(rows));
    // The rows are the truth: when they moved on since open(), the memo follows them.
    this.remember(feed.id, { key: memoKey, ...v });
    const gaps = feed.includeGaps ? await this.gapsOf(feed, window) : undefined;
    const channelNames = new Map(feed.channels.map((c) => [c.id, c.name]));
    const calendar: FeedCalendar = {
      name: feed.name,
      description: `Posts planned in Palinsesto on ${feed.channels.map((c) => c.name).join(', ') || 'no channel'}`,
      host,
      generatedAt: new Date(v.stamp),
      posts: rows.map((r) => toEventPost(r, channelNames.get(r.channel_id) ?? '')),
      gaps,
    };
    const cache = this.cache;
    const inflight = this.inflight;
    const key = `${feed.id} ${v.etag}`;
    let settle!: (body: Buffer | undefined) => void;
    if (!inflight.has(key)) inflight.set(key, new Promise<Buffer | undefined>((resolve) => (settle = resolve)));
    else settle = () => undefined;
    async function* chunks(): AsyncGenerator<Buffer, void, undefined> {
      const parts: Buffer[] = [];
      let body: Buffer | undefined;
      try {
        for await (const piece of renderFeedChunks(calendar)) {
          const buf = Buffer.from(piece, 'utf8');
          parts.push(buf);
          yield buf;
        }
        body = Buffer.concat(parts);
        cache.set(feed.id, v.etag, body);
      } finally {
        settle(body);
        inflight.delete(key);
      }
    }
    return { etag: v.etag, lastModified: lastModifiedOf(v.stamp, feed, window), chunks: chunks() };
  }

  private async gapsOf(feed: FeedScopeRow, window: Window): Promise<FeedGap[]> {
    if (feed.channels.length === 0) return [];
    const channels = await this.channels.listActiveEntities(feed.workspaceId, feed.channels.map((c) => c.id));
    const out: FeedGap[] = [];
    for (const channel of channels) {
      if (channel.workspaceId !== feed.workspaceId) continue;
      try {
        for (const gap of await this.calendar.gapsFor(channel, window.from, window.to)) {
          out.push({ channelId: channel.id, channelName: channel.name, from: new Date(gap.from), to: new Date(gap.to), kind: gap.kind });
        }
      } catch (error) {
        // A feed without its gaps beats no feed: log and go on.
        this.logger.warn(`Gaps of channel ${channel.id} for feed ${feed.id} failed: ${(error as Error).message}`);
      }
    }
    out.sort((a, b) => a.from.getTime() - b.from.getTime() || a.channelId.localeCompare(b.channelId));
    return out;
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
 * The strong ETag: a hash of everything the document is made of. `stamp` (the DTSTAMP of
 * every event) is the newest change among them, so equal inputs give equal bytes.
 */
function validators(feed: FeedScopeRow, host: string, window: Window, gapsBucket: number, fp: PostsFingerprint) {
  let stamp = Math.max(feed.updatedAt.getTime(), fp.newest);
  for (const c of feed.channels) stamp = Math.max(stamp, Date.parse(c.updatedAt));
  const inputs = [
    RENDER_REVISION,
    feed.id,
    feed.version,
    host,
    window.from.getTime(),
    window.to.getTime(),
    gapsBucket,
    // Gaps depend on every post of the channels (outside the window and drafts too).
    feed.includeGaps ? feed.state : feed.channels.map((c) => `${c.id}:${c.version}`).join(','),
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

function toEventPost(r: FeedPostRow, channelName: string): FeedEventPost {
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
  };
}
