import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Actor } from '../auth/actor';
import { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService } from '../channels/channels.service';
import { mapChannel } from '../channels/dto/channel.dto';
import { Clock } from '../common/clock';
import { VersionedLru } from '../common/versioned-lru';
import { DomainError } from '../common/domain-error';
import { CHANGE_CHANNELS, ChangeNotifications } from '../database/change-notifications';
import { NotifiedCache } from '../database/notified-cache';
import type { PostResponse } from '../posts/dto/post.dto';
import { PlanService, type PlanRevision } from '../posts/plan.service';
import { PostsService } from '../posts/posts.service';
import type { TimelineEntry } from '../rules';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { BuiltAnswer, CalendarCache, ChannelPlan } from './calendar.cache';
import { Range, resolveRange } from './calendar-range';
import { CalendarRepository } from './calendar.repository';
import { CalendarQueryDto, WorkspaceCalendarQueryDto } from './dto/calendar.dto';
import { insightsValidUntil } from './insights-validity';

/** Per-instance memory for calendar plans (posts JSON and plan windows). */
export const CALENDAR_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** Per-instance memory for gzip-compressed workspace calendars. */
export const WORKSPACE_GZIP_MAX_BYTES = 8 * 1024 * 1024;

/** Part of every ETag: change it when the way the pieces of an answer are joined changes. */
const ANSWER_FORMAT = 'calendar/2';

const gzipAsync = promisify(gzip);

/**
 * A calendar answer, serialized: the JSON document and its strong validator; with `gzip`,
 * the same document gzip-compressed (its ETag is `etag` with `-gz` before the closing quote).
 */
export interface CalendarAnswer {
  etag: string;
  /** Built when asked for: a 304 never builds it. */
  body: () => Buffer;
  gzip?: () => Promise<Buffer>;
}

/** A channel row and the plan revision of its posts, read together when a request starts. */
interface ChannelWithPlanRevision {
  channel: ChannelEntity;
  revision: PlanRevision;
}

/** One channel's part of an answer: what comes before and after its posts array. */
interface ChannelPart {
  plan: ChannelPlan;
  head: string;
  tail: string;
}

interface ChannelDescription {
  head: string;
  rulesKey: string;
}

/**
 * Calendars, answered from a per-instance cache of each channel's posts and plan window
 * at its current plan revision.
 *
 * A request gets the channel (or the workspace's active channels) from ChannelsService and
 * the plan revision of each from PlanService (bumped by triggers on posts in every
 * transaction that writes the channel's posts, posts/plan-revision.ts): for one channel from
 * this service's memory while neither changed (a NotifiedCache on the channels'
 * notifications, which both a channel's row and its revision send: never older than the
 * request), else read, both at once (two prepared statements); for a workspace, its
 * active channels in one statement and their revisions from PlanService's memory (the same
 * guarantee). The posts of the range, already serialized, and the plan window come from
 * the cache when it holds them for exactly that revision, and are otherwise read in one
 * REPEATABLE READ snapshot together with the revision they belong to. The channel itself
 * (name, zone, rules ...) is that row; gaps, violations and mix come from the plan window, the channel's rules and
 * zone and the clock (PlanService.insightsOf; kept while none of these changes and the
 * clock has not reached insightsValidUntil). So the answer is the one the uncached
 * code gives, byte for byte, whatever moved. The ETag is a hash of the answer's bytes (the
 * posts by their digest, taken once per plan), so it names the representation whichever
 * instance or version of the code sent it. Nothing in the answer depends on who asks (any
 * role of the channel's workspace).
 */
@Injectable()
export class CalendarService {
  readonly cache = new CalendarCache(CALENDAR_CACHE_MAX_BYTES);
  readonly workspaceGzip = new VersionedLru<Promise<Buffer>>(WORKSPACE_GZIP_MAX_BYTES);
  private readonly descriptions = new WeakMap<ChannelEntity, ChannelDescription>();
  private readonly loading = new Map<string, Promise<ChannelPlan>>();
  /** Channels with their plan revisions by workspace and id: every channel calendar reads one. */
  private readonly scoped: NotifiedCache<ChannelWithPlanRevision>;

  constructor(
    private readonly calendars: CalendarRepository,
    private readonly channels: ChannelsService,
    private readonly posts: PostsService,
    private readonly plan: PlanService,
    private readonly workspaces: WorkspacesService,
    private readonly clock: Clock,
    notifications: ChangeNotifications,
  ) {
    this.scoped = new NotifiedCache(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (found) => found.channel.id,
      maxEntries: 10_000,
    });
  }

  /** A channel's calendar; another workspace's channel answers 404. */
  async forChannel(actor: Actor, channelId: string, query: CalendarQueryDto): Promise<CalendarAnswer> {
    const scoped = await this.withPlanRevision(actor, channelId);
    if (!scoped) throw DomainError.notFound('Channel');
    const now = this.clock.now();
    const range = resolveRange(query.from, query.to, scoped.channel.timezone, now);
    const [plan] = await this.plans([scoped], range);
    const part = this.channelPart(scoped.channel, plan, range, now);
    const around = `${part.head}\n${part.tail}${rangeJson(range)}`;
    let last = plan.last;
    if (!last || last.around !== around) {
      const head = Buffer.from(part.head);
      const tail = Buffer.from(`${part.tail.slice(0, -1)},${rangeJson(range).slice(1)}`);
      const body = Buffer.concat([head, plan.posts, tail]);
      last = plan.last = { around, etag: etagOf([plan.postsDigest, around]), body };
      // The posts now live in the answer: keep one copy of them.
      plan.posts = body.subarray(head.length, head.length + plan.posts.length);
      this.cache.resized(plan);
    }
    const built = last;
    return { etag: built.etag, body: () => built.body, gzip: () => this.gzipped(plan, built) };
  }

  async forWorkspace(actor: Actor, workspaceId: string, query: WorkspaceCalendarQueryDto): Promise<CalendarAnswer> {
    const workspace = await this.workspaces.get(actor, workspaceId);
    const now = this.clock.now();
    const range = resolveRange(query.from, query.to, workspace.timezone, now);
    let channels: ChannelWithPlanRevision[];
    if (query.channelId) {
      const scoped = await this.withPlanRevision(actor, query.channelId);
      if (!scoped) throw DomainError.invalid('channelId', 'no such channel in this workspace');
      channels = [scoped];
    } else {
      const active = await this.channels.active(actor, workspaceId);
      const revisions = await this.plan.currentRevisions(active.map((c) => c.id));
      channels = active.map((channel) => ({ channel, revision: revisions.get(channel.id)!.token }));
    }
    const plans = await this.plans(channels, range);
    const parts = channels.map((c, i) => this.channelPart(c.channel, plans[i], range, now));
    const pieces: Buffer[] = [Buffer.from(`${rangeJson(range).slice(0, -1)},"channels":[`)];
    const inputs: string[] = [rangeJson(range)];
    parts.forEach((p, i) => {
      pieces.push(Buffer.from(i === 0 ? p.head : `,${p.head}`), p.plan.posts, Buffer.from(p.tail));
      inputs.push(p.plan.postsDigest, `${p.head}\n${p.tail}`);
    });
    pieces.push(Buffer.from(']}'));
    const etag = etagOf(inputs);
    const body = () => Buffer.concat(pieces);
    const slot = `${workspaceId}|${query.channelId ?? ''}|${range.from.getTime()}|${range.to.getTime()}`;
    return { etag, body, gzip: () => this.gzippedWorkspace(slot, etag, body) };
  }

  /**
   * A channel of the caller's workspace (any status) with the plan revision of its posts;
   * null when there is no such channel. From memory while neither the channel row nor its
   * posts changed (NotifiedCache: never older than the request), else the two read at
   * once. Shared between requests: read it, never change it.
   */
  private withPlanRevision(actor: Actor, channelId: string): Promise<ChannelWithPlanRevision | null> {
    return this.scoped.get(`${actor.workspaceId}/${channelId}`, async () => {
      const [channel, revisions] = await Promise.all([
        this.channels.find(actor, channelId),
        this.plan.revisions([channelId]),
      ]);
      return channel ? { channel, revision: revisions.get(channelId)!.token } : null;
    });
  }

  /**
   * A workspace answer gzip-compressed (off the event loop), once per answer: kept for its
   * ETag in the workspace's slot (workspace, channel filter, range) while it is the answer.
   */
  private gzippedWorkspace(slot: string, etag: string, body: () => Buffer): Promise<Buffer> {
    const known = this.workspaceGzip.get(slot, etag);
    if (known) return known;
    const made = gzipAsync(body());
    // Kept at once, so that requests arriving meanwhile share it; sized once it is made.
    this.workspaceGzip.set(slot, etag, made, 0);
    made.then(
      (gz) => {
        if (this.workspaceGzip.peek(slot) === made) this.workspaceGzip.set(slot, etag, made, gz.length);
      },
      () => {
        if (this.workspaceGzip.peek(slot) === made) this.workspaceGzip.delete(slot);
      },
    );
    return made;
  }

  /** The answer gzip-compressed, once per answer (off the event loop). */
  private gzipped(plan: ChannelPlan, built: BuiltAnswer): Promise<Buffer> {
    if (!built.gzip) {
      built.gzip = gzipAsync(built.body).then((gz) => {
        built.gzipBytes = gz.length;
        this.cache.resized(plan);
        return gz;
      });
      built.gzip.catch(() => (built.gzip = undefined));
    }
    return built.gzip;
  }

  /** The plans of these channels over the range at their revisions: cached, or read in one snapshot. */
  private plans(channels: ChannelWithPlanRevision[], range: Range): Promise<ChannelPlan[]> {
    const found: Array<ChannelPlan | Promise<ChannelPlan>> = [];
    const missing: Array<{ index: number; channel: ChannelEntity; key: string }> = [];
    channels.forEach(({ channel, revision }, index) => {
      const slot = this.slotOf(channel, range);
      const key = `${slot}|${revision}`;
      const known = this.cache.get(slot, key) ?? this.loading.get(key);
      if (known) found[index] = known;
      else missing.push({ index, channel, key });
    });
    if (missing.length > 0) {
      // Concurrent requests for the same plan at the same revision share one read.
      const load = this.load(
        missing.map((m) => m.channel),
        range,
      )
        .then((plans) => {
          for (const plan of plans) this.cache.set(plan);
          return plans;
        })
        .finally(() => {
          for (const m of missing) this.loading.delete(m.key);
        });
      missing.forEach((m, i) => {
        const one = load.then((plans) => plans[i]);
        one.catch(() => undefined);
        this.loading.set(m.key, one);
        found[m.index] = one;
      });
    }
    return Promise.all(found);
  }

  /**
   * A channel's calendar around its posts: `{"channel":…,"posts":` and
   * `,"gaps":…,"violations":…,"mix":…}`. Gaps, violations and mix are PlanService's
   * insights of the plan window at `now`, or the plan's memo of them when it was computed
   * for the same rules and zone and still holds at `now` (insightsValidUntil).
   */
  private channelPart(channel: ChannelEntity, plan: ChannelPlan, range: Range, now: Date): ChannelPart {
    const { head, rulesKey } = this.describe(channel);
    const rules = channel.rules;
    const t = now.getTime();
    const memo = plan.insights;
    if (memo && memo.rules === rulesKey && memo.validFrom <= t && t < memo.validUntil)
      return { plan, head, tail: memo.json };
    const { gaps, violations, mix } = this.plan.insightsOf(
      channel,
      plan.timeline as TimelineEntry[],
      range.from,
      range.to,
      now,
    );
    const tail = `,"gaps":${JSON.stringify(gaps)},"violations":${JSON.stringify(violations)},"mix":${JSON.stringify(mix)}}`;
    const validUntil = insightsValidUntil(plan.timeline, rules, channel.timezone, range, now);
    if (validUntil !== null) {
      plan.insights = { rules: rulesKey, validFrom: t, validUntil, json: tail };
      this.cache.resized(plan);
    }
    return { plan, head, tail };
  }

  /**
   * The channel's part of the answer before its posts, and what its insights depend on
   * (zone and rules): once per channel row read, which ChannelsService shares between
   * requests while the row is unchanged.
   */
  private describe(channel: ChannelEntity): ChannelDescription {
    let described = this.descriptions.get(channel);
    if (!described) {
      described = {
        head: `{"channel":${JSON.stringify(mapChannel(channel))},"posts":`,
        rulesKey: `${channel.timezone}\n${JSON.stringify(channel.rules)}`,
      };
      this.descriptions.set(channel, described);
    }
    return described;
  }

  /** Reads the posts and plan windows of these channels, and the revisions they belong to, in one snapshot. */
  private load(channels: ChannelEntity[], range: Range): Promise<ChannelPlan[]> {
    const ids = channels.map((c) => c.id);
    return this.calendars.snapshot(async (m) => {
      const revisions = await this.plan.revisions(ids, m);
      const posts = await this.posts.datedInRange(ids, range.from, range.to, m);
      const byChannel = new Map<string, PostResponse[]>(ids.map((id) => [id, []]));
      for (const post of posts) byChannel.get(post.channelId)?.push(post);
      const plans: ChannelPlan[] = [];
      for (const channel of channels) {
        const timeline = await this.plan.insightsTimeline(channel, range.from, range.to, m);
        const slot = this.slotOf(channel, range);
        const json = Buffer.from(JSON.stringify(byChannel.get(channel.id)));
        plans.push({
          slot,
          key: `${slot}|${revisions.get(channel.id)!.token}`,
          posts: json,
          postsDigest: createHash('sha256').update(json).digest('base64url'),
          timeline: Object.freeze(timeline),
        });
      }
      return plans;
    });
  }

  /**
   * Where a channel's plan over a range is kept: the range and the plan window PlanService
   * judges it on (which moves with the channel's mix window) determine the posts and the
   * timeline read for it.
   */
  private slotOf(channel: ChannelEntity, range: Range): string {
    const window = this.plan.insightsWindow(channel, range.from, range.to);
    return `${channel.id}|${range.from.getTime()}|${range.to.getTime()}|${window.from.getTime()}|${window.to.getTime()}`;
  }
}

function rangeJson(range: Range): string {
  return `{"from":${JSON.stringify(range.from.toISOString())},"to":${JSON.stringify(range.to.toISOString())}}`;
}

function etagOf(inputs: string[]): string {
  const hash = createHash('sha256').update(ANSWER_FORMAT);
  for (const input of inputs) hash.update('\n').update(input);
  return `"${hash.digest('base64url').slice(0, 32)}"`;
}
