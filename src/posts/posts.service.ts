import { Injectable, Optional } from '@nestjs/common';
import { DateTime } from 'luxon';
import { EntityManager } from 'typeorm';
import { Actor, hasRole } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { ChannelEntity } from '../channels/channel.entity';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/domain-error';
import { assertVersion } from '../common/if-match';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../common/pagination';
import { toDate } from '../common/validators';
import { AfterCommitEvents } from '../database/after-commit-events';
import { MediaService } from '../media/media.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import {
  MediaDto,
  mapPost,
  PostCreateDto,
  PostListQueryDto,
  PostResponse,
  PostScheduleDto,
  PostUpdateDto,
} from './dto/post.dto';
import { isMediaRef, PostEntity, type PostMedia } from './post.entity';
import { PLAN_CHANGED, type PlanAction } from './post.events';
import { PostAction, statusAfterContentEdit, transition, IllegalTransitionError } from './post-state.machine';
import { PostChanges, PostsRepository } from './posts.repository';
import { PlanGuard } from './plan-guard';
import { PlanService, timelineEntryOf } from './plan.service';
import type { PostsFingerprint, PostsScope } from './posts.queries';
import { checkMedia, checkText, composeText, type PlatformLimits } from '../content/content-limits';
import type { MediaItem } from '../media/media.types';
import { PlatformLimitsService } from '../publishing/adapters/platform-limits.service';
import { slotInstants, type Violation } from '../rules';
import { bestCandidate } from './best-times';
import { SlotEngagement } from './slot-engagement';

export interface PostMutation extends PostResponse {
  violations: Violation[];
}

type Mutator = (
  m: EntityManager,
  post: PostEntity,
  channel: ChannelEntity,
) => Promise<{
  action: PlanAction;
  changes: PostChanges;
  audit: { action: string; reason?: string | null; details?: Record<string, unknown> };
}>;

@Injectable()
export class PostsService {
  constructor(
    private readonly posts: PostsRepository,
    private readonly channels: ChannelsService,
    private readonly workspaces: WorkspacesService,
    private readonly guard: PlanGuard,
    private readonly plan: PlanService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly events: AfterCommitEvents,
    private readonly media: MediaService,
    private readonly limits: PlatformLimitsService,
    @Optional() private readonly engagement?: SlotEngagement,
  ) {}

  async create(actor: Actor, channelId: string, dto: PostCreateDto): Promise<PostMutation> {
    const channel = await this.channels.get(actor, channelId);
    if (channel.status !== 'active')
      throw new DomainError(ErrorCode.Conflict, 'The channel is archived; re-activate it to plan posts on it.');
    await this.assertCategory(actor, dto.category);
    const limits = await this.limitsOf(channel);
    this.assertFits(limits, dto);
    const media = this.mediaOf(channel, dto.media);
    const post = await this.posts.transaction(async (m) => {
      this.assertMediaFit(limits, await this.assertMedia(m, channel, media));
      const post = await this.posts.insert(m, {
        workspaceId: actor.workspaceId,
        channelId,
        status: 'draft',
        body: dto.body,
        title: dto.title ?? null,
        link: dto.link ?? null,
        media,
        category: dto.category,
        scheduledAt: dto.scheduledAt ? toDate(dto.scheduledAt) : null,
        createdBy: actor.memberId,
      });
      await this.audit.record(actor, { action: 'post.create', entityType: 'post', entityId: post.id }, m);
      this.planChanged(m, actor, 'create', null, post);
      return post;
    });
    return { ...mapPost(post), violations: [] };
  }

  async get(actor: Actor, postId: string): Promise<PostEntity> {
    const post = await this.posts.findInWorkspace(actor.workspaceId, postId);
    if (!post) throw DomainError.notFound('Post');
    return post;
  }

  async list(actor: Actor, channelId: string, query: PostListQueryDto, limit = DEFAULT_PAGE_SIZE, cursor?: string) {
    await this.channels.get(actor, channelId);
    const after = decodeCursor<{ at: string; id: string }>(cursor, ['at', 'id']);
    const from = query.from ? toDate(query.from) : undefined;
    const to = query.to ? toDate(query.to) : undefined;
    if (from && to && from >= to) throw DomainError.invalid('to', 'to must be after from');
    const rows = await this.posts.listForChannel(channelId, { statuses: query.status, from, to, limit, after });
    return toPage(rows, limit, mapPost, (p) => ({ at: p.scheduledAt?.toISOString() ?? 'infinity', id: p.id }));
  }

  /**
   * Posts of these channels dated in [from, to), by time then id, in their API form (for
   * calendars); read in `m`'s snapshot when given.
   */
  async datedInRange(channelIds: string[], from: Date, to: Date, m?: EntityManager): Promise<PostResponse[]> {
    return (await this.posts.findDatedInRange(channelIds, from, to, m)).map(mapPost);
  }

  /**
   * Which of these posts (any workspace: for background jobs, e.g. closing the alerts of
   * failures that were handled) are still failed; read in `m`'s transaction when given.
   */
  stillFailed(postIds: string[], m?: EntityManager): Promise<Set<string>> {
    return this.posts.failedAmong(postIds, m);
  }

  /**
   * What changes whenever a post in the scope is added, removed or written, read without
   * reading the posts: the same fingerprint as posts.queries' fingerprintOf over the rows
   * of postsInScopeQuery, which the feed render worker reads (feeds answer 304 on it).
   * Scoped by the caller (a feed's workspace and channels).
   */
  fingerprintInScope(scope: PostsScope): Promise<PostsFingerprint> {
    return this.posts.fingerprintInScope(scope);
  }

  async update(actor: Actor, postId: string, dto: PostUpdateDto, ifMatch?: number): Promise<PostMutation> {
    if (dto.category) await this.assertCategory(actor, dto.category);
    return this.mutate(actor, postId, ifMatch, async (m, post, channel) => {
      this.move(post, 'edit', channel);
      const changes: PostChanges = {};
      const contentChanged = (['body', 'title', 'link', 'media'] as const).some((k) => dto[k] !== undefined);
      if (dto.body !== undefined) changes.body = dto.body;
      if (dto.title !== undefined) changes.title = dto.title;
      if (dto.link !== undefined) changes.link = dto.link;
      if (dto.media !== undefined) changes.media = this.mediaOf(channel, dto.media);
      if (dto.category !== undefined) changes.category = dto.category;
      if (dto.scheduledAt !== undefined) {
        const at = dto.scheduledAt === null ? null : toDate(dto.scheduledAt);
        if (at === null && post.status === 'scheduled') {
          throw DomainError.invalid('scheduledAt', 'a scheduled post needs a time; unschedule or cancel it instead');
        }
        if (at && post.status === 'scheduled') this.assertFuture(at);
        if ((at?.getTime() ?? null) !== (post.scheduledAt?.getTime() ?? null)) {
          changes.scheduledAt = at;
          changes.sequence = post.sequence + 1;
          changes.nextAttemptAt = null; // a new time replaces a pending retry
        }
      }
      if (contentChanged) {
        changes.status = statusAfterContentEdit(post.status, channel, hasRole(actor, 'lead'));
      }
      return { action: 'edit', changes, audit: { action: 'post.update', details: { changed: Object.keys(changes) } } };
    });
  }

  submit(actor: Actor, postId: string, ifMatch?: number) {
    return this.simple(actor, postId, ifMatch, 'submit');
  }

  approve(actor: Actor, postId: string, ifMatch?: number) {
    return this.simple(actor, postId, ifMatch, 'approve');
  }

  reject(actor: Actor, postId: string, reason: string | undefined, ifMatch?: number) {
    return this.simple(actor, postId, ifMatch, 'reject', reason);
  }

  unschedule(actor: Actor, postId: string, ifMatch?: number) {
    return this.simple(actor, postId, ifMatch, 'unschedule');
  }

  cancel(actor: Actor, postId: string, reason: string | undefined, ifMatch?: number) {
    return this.simple(actor, postId, ifMatch, 'cancel', reason);
  }

  async schedule(actor: Actor, postId: string, dto: PostScheduleDto, ifMatch?: number): Promise<PostMutation> {
    if (dto.override && !hasRole(actor, 'lead')) {
      throw new DomainError(ErrorCode.Forbidden, 'Only a lead may override the channel rules.');
    }
    return this.mutate(
      actor,
      postId,
      ifMatch,
      async (m, post, channel) => {
        const status = this.move(post, 'schedule', channel);
        const at = dto.scheduledAt ? toDate(dto.scheduledAt) : post.scheduledAt;
        if (!at) throw DomainError.invalid('scheduledAt', 'scheduledAt is required: the post has no time yet');
        this.assertFuture(at);
        const moved = at.getTime() !== post.scheduledAt?.getTime();
        return {
          action: 'schedule',
          changes: { status, scheduledAt: at, nextAttemptAt: null, ...(moved ? { sequence: post.sequence + 1 } : {}) },
          audit: {
            action: dto.override ? 'post.schedule.override' : 'post.schedule',
            reason: dto.override?.reason ?? null,
            details: { scheduledAt: at.toISOString() },
          },
        };
      },
      dto.override?.reason,
    );
  }

  /** The rule check of putting a post of this category at this time, saving nothing. */
  async validate(actor: Actor, channelId: string, input: { scheduledAt: string; category: string; postId?: string }) {
    const channel = await this.channels.get(actor, channelId);
    await this.assertCategory(actor, input.category);
    let before = null;
    if (input.postId) {
      const post = await this.get(actor, input.postId);
      if (post.channelId !== channelId) throw DomainError.invalid('postId', 'the post belongs to another channel');
      before = timelineEntryOf(post);
    }
    const after = { id: input.postId ?? '__candidate__', at: toDate(input.scheduledAt), category: input.category };
    const { added } = await this.plan.assess(channel, before, after);
    return {
      violations: added,
      enforcement: channel.rules.enforcement ?? 'warn',
      wouldBlock: added.length > 0 && channel.rules.enforcement === 'block',
    };
  }

  /** What the channel's platform takes (text length, media), for the page to check a post live. */
  async channelLimits(actor: Actor, channelId: string): Promise<PlatformLimits> {
    return this.limitsOf(await this.channels.get(actor, channelId));
  }

  /** The earliest time after `after` (default now) that breaks no rule, on a slot when the channel has some. */
  async nextSlot(actor: Actor, channelId: string, input: { category: string; after?: string; prefer?: 'engagement' }) {
    const channel = await this.channels.get(actor, channelId);
    await this.assertCategory(actor, input.category);
    const after = this.notBeforeNow(input.after);
    const at = await this.plan.nextSlot(channel, { category: input.category, after });
    if (!at) throw this.noSlot();
    if (input.prefer !== 'engagement') return { scheduledAt: at.toISOString() };
    const best = await this.bestSlot(channel, input.category, after);
    return best
      ? { scheduledAt: best.toISOString(), basis: 'engagement' as const }
      : { scheduledAt: at.toISOString(), basis: 'earliest' as const };
  }

  /**
   * prefer=engagement: among the times of the coming week after `after` that break no rule
   * (the channel's posting slots, or each whole hour when it has none), the one whose
   * weekday x hour cell of the channel's history has the highest median engagement
   * (ties: the earliest); null without history for any of them.
   */
  private async bestSlot(channel: ChannelEntity, category: string, after: Date): Promise<Date | null> {
    if (!this.engagement) return null;
    const cells = await this.engagement.bestTimes(channel);
    if (cells.length === 0) return null;
    const end = DateTime.fromJSDate(after, { zone: channel.timezone }).plus({ days: 7 }).toJSDate();
    let candidates: Date[];
    if (channel.postingSlots.length > 0) {
      candidates = slotInstants(channel.postingSlots, channel.timezone, after, end).filter((d) => d > after);
    } else {
      candidates = [];
      const first = Math.floor(after.getTime() / 3_600_000) * 3_600_000 + 3_600_000;
      for (let t = first; t < end.getTime(); t += 3_600_000) candidates.push(new Date(t));
    }
    const allowed = await this.plan.allowedAmong(channel, { category, candidates });
    return bestCandidate(allowed, cells, channel.timezone);
  }

  /** "Add to queue": schedule the post at its channel's next free slot. */
  async queue(actor: Actor, postId: string, input: { after?: string }, ifMatch?: number): Promise<PostMutation> {
    return this.mutate(actor, postId, ifMatch, async (m, post, channel) => {
      const status = this.move(post, 'schedule', channel);
      const at = await this.plan.nextSlot(
        channel,
        { category: post.category, after: this.notBeforeNow(input.after), excludePostId: post.id },
        m,
      );
      if (!at) throw this.noSlot();
      const moved = at.getTime() !== post.scheduledAt?.getTime();
      return {
        action: 'schedule',
        changes: { status, scheduledAt: at, nextAttemptAt: null, ...(moved ? { sequence: post.sequence + 1 } : {}) },
        audit: { action: 'post.queue', details: { scheduledAt: at.toISOString() } },
      };
    });
  }

  async remove(actor: Actor, postId: string, ifMatch?: number): Promise<void> {
    await this.posts.transaction(async (m) => {
      const { post, channel } = await this.lockPost(m, actor, postId);
      assertVersion(ifMatch, post.version, 'The post');
      this.move(post, 'delete', channel);
      await this.guard.check(m, { actor, channel, before: post, after: null });
      await this.posts.deleteAtVersion(m, post.id, post.version);
      await this.audit.record(actor, { action: 'post.delete', entityType: 'post', entityId: post.id }, m);
      this.planChanged(m, actor, 'delete', post, null);
    });
  }

  private simple(
    actor: Actor,
    postId: string,
    ifMatch: number | undefined,
    action: PostAction & PlanAction,
    reason?: string,
  ) {
    return this.mutate(actor, postId, ifMatch, async (m, post, channel) => ({
      action,
      changes: { status: this.move(post, action, channel) },
      audit: { action: `post.${action}`, reason: reason ?? null },
    }));
  }

  /**
   * One mutation of one post: channel then post locked (changes to a channel's plan are
   * serialised), version checked, the plan guard consulted, the change and its audit
   * entry written in the same transaction.
   */
  private async mutate(
    actor: Actor,
    postId: string,
    ifMatch: number | undefined,
    fn: Mutator,
    overrideReason?: string,
  ): Promise<PostMutation> {
    return this.posts.transaction(async (m) => {
      const { post, channel } = await this.lockPost(m, actor, postId);
      assertVersion(ifMatch, post.version, 'The post');
      const { action, changes, audit } = await fn(m, post, channel);
      const after = Object.assign(new PostEntity(), post, changes);
      // The platform's limits (a Mastodon instance's own, cached) when the content changes and
      // whenever a post is scheduled; media also for the library's alt text and the channel's
      // requireAltText, which may have changed since. A post its platform cannot carry whole
      // is never scheduled, so never published without part of it.
      const contentChanged = (['body', 'title', 'link', 'media'] as const).some((k) => changes[k] !== undefined);
      if (contentChanged || action === 'schedule') {
        const limits = await this.limitsOf(channel);
        this.assertFits(limits, after);
        this.assertMediaFit(limits, await this.assertMedia(m, channel, after.media));
      }
      const verdict = await this.guard.check(m, { actor, channel, before: post, after, overrideReason });
      if (Object.keys(changes).length > 0) {
        await this.posts.updateAtVersion(m, post.id, post.version, changes);
      }
      const details = verdict.overridden
        ? { ...audit.details, overridden: verdict.overridden.map((v) => v.message) }
        : audit.details;
      await this.audit.record(actor, { ...audit, details, entityType: 'post', entityId: post.id }, m);
      const saved = await this.posts.findInWorkspace(actor.workspaceId, post.id, m);
      if (Object.keys(changes).length > 0) this.planChanged(m, actor, action, post, saved!);
      return { ...mapPost(saved!), violations: verdict.violations };
    });
  }

  /** States `plan.changed` for this change of one post, delivered once `m` commits. */
  private planChanged(
    m: EntityManager,
    actor: Actor,
    action: PlanAction,
    before: PostEntity | null,
    after: PostEntity | null,
  ): void {
    const post = (after ?? before)!;
    this.events.emitOnCommit(m, PLAN_CHANGED, {
      workspaceId: post.workspaceId,
      channelId: post.channelId,
      postId: post.id,
      action,
      status: after?.status ?? null,
      version: after?.version ?? null,
      scheduledAt: after?.scheduledAt ?? null,
      previousScheduledAt: before?.scheduledAt ?? null,
      actorMemberId: actor.memberId,
      changedAt: this.clock.now(),
    });
  }

  private async lockPost(
    m: EntityManager,
    actor: Actor,
    postId: string,
  ): Promise<{ post: PostEntity; channel: ChannelEntity }> {
    const peek = await this.posts.findInWorkspace(actor.workspaceId, postId, m);
    if (!peek) throw DomainError.notFound('Post');
    const channel = await this.channels.lock(m, actor, peek.channelId);
    const post = await this.posts.lock(m, postId);
    if (!post) throw DomainError.notFound('Post');
    return { post, channel };
  }

  private move(post: PostEntity, action: PostAction, channel: ChannelEntity) {
    try {
      return transition(post.status, action, { approvalRequired: channel.approvalRequired });
    } catch (e) {
      if (e instanceof IllegalTransitionError) {
        throw new DomainError(ErrorCode.IllegalTransition, e.message, { postStatus: e.status, allowedFrom: e.allowed });
      }
      throw e;
    }
  }

  private notBeforeNow(after: string | undefined): Date {
    const now = this.clock.now();
    const at = after ? toDate(after) : now;
    return at < now ? now : at;
  }

  private noSlot(): DomainError {
    return new DomainError(
      ErrorCode.Unprocessable,
      'No time in the next 365 days fits the channel rules for this category; relax a rule or pick a time and override.',
    );
  }

  /** What the channel's platform takes: asked of a Mastodon instance (cached), else the platform's own. */
  private async limitsOf(channel: ChannelEntity): Promise<PlatformLimits> {
    const credentials = channel.platform === 'mastodon' ? await this.channels.credentialsFor(channel) : {};
    return this.limits.limitsFor({ platform: channel.platform, credentials });
  }

  /** The text's length as the platform counts it (Mastodon: the instance's limit and link weight). */
  private assertFits(
    limits: PlatformLimits,
    post: { body?: string; title?: string | null; link?: string | null },
  ): void {
    if (post.body === undefined) return;
    const over = checkText(
      limits,
      composeText({ body: post.body, title: post.title ?? null, link: post.link ?? null }),
    );
    if (over) {
      throw new DomainError(ErrorCode.Unprocessable, over.message, {
        errors: [{ field: 'body', message: over.message }],
        limit: over.limit,
        length: over.length,
        over: over.over,
      });
    }
  }

  /**
   * A post's media as stored: library items `{id, alt?}` on every platform, URLs `{url, alt?}`
   * on webhook and mock channels only (their receivers fetch them; the mock publishes nowhere),
   * never both in one post.
   */
  private mediaOf(channel: ChannelEntity, items: MediaDto[] | undefined): PostMedia[] {
    if (!items) return [];
    const media = items.map((x, i): PostMedia => {
      const alt = x.alt?.trim() ? { alt: x.alt.trim() } : {};
      if (x.id !== undefined && x.url !== undefined)
        throw DomainError.invalid(
          `media[${i}]`,
          'a media item is {id, alt?} (or {url, alt?} on a webhook channel), not both',
        );
      return x.id !== undefined ? { id: x.id, ...alt } : { url: x.url!, ...alt };
    });
    const urls = media.filter((x) => !isMediaRef(x)).length;
    if (urls > 0 && channel.platform !== 'webhook' && channel.platform !== 'mock') {
      const message = `On a ${channel.platform} channel, media are items of the media library: upload the file (POST /v1/workspaces/{wid}/media, or .../media/imports for a URL) and give {id, alt?}.`;
      throw new DomainError(ErrorCode.Unprocessable, message, { errors: [{ field: 'media', message }] });
    }
    if (urls > 0 && urls < media.length) {
      const message = 'A post gives its media either all as library items {id} or all as URLs {url}, not both.';
      throw new DomainError(ErrorCode.Unprocessable, message, { errors: [{ field: 'media', message }] });
    }
    return media;
  }

  /**
   * Library items exist in the post's workspace (422 naming those that do not), and carry
   * alt text when the channel requires it (the post's own, else the library's). Inside the
   * post's transaction: the items stay locked against deletion until it commits.
   */
  private async assertMedia(m: EntityManager, channel: ChannelEntity, media: PostMedia[]): Promise<MediaItem[]> {
    const refs = media.filter(isMediaRef);
    if (refs.length === 0) return [];
    const items = await this.media.resolve(channel.workspaceId, refs, m);
    if (!channel.requireAltText) return items;
    const missing = items.map((item, i) => ({ item, i })).filter(({ item }) => item.alt.trim() === '');
    if (missing.length > 0) {
      const errors = missing.map(({ item, i }) => ({
        field: `media[${i}].alt`,
        message: `media item ${item.id} has no alt text`,
      }));
      throw new DomainError(
        ErrorCode.Unprocessable,
        `The channel requires alt text for media: describe ${missing.map(({ item }) => item.id).join(', ')} (give alt on the post's media item or in the library), or turn requireAltText off on the channel.`,
        { errors, mediaWithoutAlt: missing.map(({ item }) => item.id) },
      );
    }
    return items;
  }

  /** Number, kinds, types, sizes and durations of the media against the platform's limits (422 naming each). */
  private assertMediaFit(limits: PlatformLimits, items: MediaItem[]): void {
    if (items.length === 0) return;
    const problems = checkMedia(limits, items, false); // alt text: assertMedia, per item
    if (problems.length === 0) return;
    throw new DomainError(ErrorCode.Unprocessable, problems.join(' '), {
      errors: problems.map((message) => ({ field: 'media', message })),
      limits: limits.media,
    });
  }

  private assertFuture(at: Date): void {
    if (at.getTime() <= this.clock.now().getTime()) {
      throw DomainError.invalid('scheduledAt', 'scheduledAt must be in the future');
    }
  }

  private async assertCategory(actor: Actor, key: string): Promise<void> {
    if (!(await this.workspaces.categoryExists(actor.workspaceId, key))) {
      throw DomainError.invalid('category', `the workspace has no category ${key}`);
    }
  }
}
