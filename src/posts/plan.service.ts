import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChannelEntity } from '../channels/channel.entity';
import { Clock } from '../common/clock';
import { CHANGE_CHANNELS, ChangeNotifications } from '../database/change-notifications';
import { NotifiedCache } from '../database/notified-cache';
import { affectedRange, allowedAt, ChangeCheck, checkChange, DAY_MS, nextSlot, TimelineEntry } from '../rules';
import { PlanInsights, planInsights, planWindow } from './plan-insights';
import { PLANNED_STATUSES } from './post-state.machine';
import { PostEntity } from './post.entity';
import type { PlanRevisionState } from './plan-revision';
import { PlanRevisionsRepository } from './plan-revisions.repository';
import { PostsRepository } from './posts.repository';

export type { PlanInsights } from './plan-insights';
export type { PlanRevision, PlanRevisionState } from './plan-revision';

/** next-slot looks this far first, then up to a year: most answers need only the first. */
const NEAR_HORIZON_DAYS = 35;
const FAR_HORIZON_DAYS = 365;

/** A post's place in its channel's plan, or null when it is not in the plan. */
export function timelineEntryOf(
  post: Pick<PostEntity, 'id' | 'status' | 'scheduledAt' | 'category'> | null,
): TimelineEntry | null {
  if (!post || !post.scheduledAt || !PLANNED_STATUSES.includes(post.status)) return null;
  return { id: post.id, at: post.scheduledAt, category: post.category };
}

/**
 * Where the pure rule engine meets the database: it loads only the window of a
 * channel's plan that a question can touch (affectedRange around the change, plus the
 * neighbouring posts) and asks the engine.
 */
@Injectable()
export class PlanService {
  /** Channels' current plan revisions, by channel id (a workspace calendar reads all of its channels'). */
  private readonly current: NotifiedCache<{ channelId: string; state: PlanRevisionState }>;

  constructor(
    private readonly posts: PostsRepository,
    private readonly revisionsRepo: PlanRevisionsRepository,
    private readonly clock: Clock,
    notifications: ChangeNotifications,
  ) {
    // A revision that moves notifies the channels' channel with the channel's id (migration ChangeNotifications).
    this.current = new NotifiedCache(notifications, {
      channel: CHANGE_CHANNELS.channels,
      rowOf: (v) => v.channelId,
      maxEntries: 10_000,
    });
  }

  /**
   * The plan revisions of these channels (plan-revision.ts): one entry per channel, "0:0"
   * for one whose posts were never written. Without `m`, one prepared statement outside
   * any transaction; with it, as `m` sees them (read them in the snapshot that reads the
   * posts they stand for). A revision says nothing but that posts changed: the caller
   * scopes the channels it shows.
   */
  revisions(channelIds: string[], m?: EntityManager): Promise<Map<string, PlanRevisionState>> {
    return this.revisionsRepo.of(channelIds, m);
  }

  /**
   * The same, current when the call is made (never older), from memory for the channels
   * whose posts did not change since they were read (NotifiedCache), the others read in
   * one statement: for hot paths that read many channels' revisions on every request.
   */
  async currentRevisions(channelIds: string[]): Promise<Map<string, PlanRevisionState>> {
    const found = await this.current.getMany(channelIds, async (missing) => {
      const read = await this.revisionsRepo.of(missing);
      return new Map([...read].map(([channelId, state]) => [channelId, { channelId, state }]));
    });
    return new Map(channelIds.map((id, i) => [id, found[i]!.state]));
  }

  /** What replacing `before` by `after` (either may be null) does to the channel's plan. */
  async assess(
    channel: ChannelEntity,
    before: TimelineEntry | null,
    after: TimelineEntry | null,
    m?: EntityManager,
  ): Promise<ChangeCheck> {
    const instants = [before?.at, after?.at].filter((d): d is Date => d instanceof Date);
    if (instants.length === 0) return { added: [], all: [] };
    const rules = channel.rules;
    const range = affectedRange(rules, channel.timezone, instants);
    const stored = await this.posts.timelineWindow(channel, range.from, range.to, m);
    const ids = new Set([before?.id, after?.id].filter(Boolean));
    const others = stored.filter((p) => !ids.has(p.id));
    const oldPlan = before ? [...others, before] : others;
    const newPlan = after ? [...others, after] : others;
    return checkChange(oldPlan, newPlan, rules, channel.timezone, { now: this.clock.now(), range });
  }

  /**
   * The earliest time after `after` (on a posting slot when the channel has some) at which
   * a post of this category breaks no rule the plan keeps; null when none within a year.
   */
  async nextSlot(
    channel: ChannelEntity,
    opts: { category: string; after: Date; excludePostId?: string },
    m?: EntityManager,
  ): Promise<Date | null> {
    const rules = channel.rules;
    for (const horizonDays of [NEAR_HORIZON_DAYS, FAR_HORIZON_DAYS]) {
      // The candidates lie in [after, after + horizon): read the plan judging that range needs.
      const window = planWindow(rules, opts.after, new Date(opts.after.getTime() + horizonDays * DAY_MS));
      const timeline = await this.posts.timelineWindow(channel, window.from, window.to, m);
      const at = nextSlot(timeline, rules, channel.timezone, {
        category: opts.category,
        after: opts.after,
        now: this.clock.now(),
        slots: channel.postingSlots,
        horizonDays,
        excludePostId: opts.excludePostId,
      });
      if (at) return at;
    }
    return null;
  }

  /** Those of `candidates` (instants) at which a post of this category breaks no rule of the plan. */
  async allowedAmong(
    channel: ChannelEntity,
    opts: { category: string; candidates: Date[]; excludePostId?: string },
  ): Promise<Date[]> {
    if (opts.candidates.length === 0) return [];
    const times = opts.candidates.map((d) => d.getTime());
    const window = planWindow(channel.rules, new Date(Math.min(...times)), new Date(Math.max(...times) + 1));
    const timeline = await this.posts.timelineWindow(channel, window.from, window.to);
    const now = this.clock.now();
    return opts.candidates.filter((at) =>
      allowedAt(timeline, channel.rules, channel.timezone, {
        category: opts.category,
        at,
        now,
        excludePostId: opts.excludePostId,
      }),
    );
  }

  /** Whether the channel has any post in its plan at all. */
  hasPlannedPost(channelId: string): Promise<boolean> {
    return this.posts.hasPlanned(channelId);
  }

  /**
   * The stretch of the channel's plan that its insights over [from, to) judge: a week and a
   * mix window either side, so that weeks and windows crossing the range edges are judged
   * on all their posts (planWindow, which the feed render worker uses too).
   */
  insightsWindow(channel: ChannelEntity, from: Date, to: Date): { from: Date; to: Date } {
    return planWindow(channel.rules, from, to);
  }

  /** The channel's plan over insightsWindow(channel, from, to), in `m`'s snapshot when given. */
  insightsTimeline(channel: ChannelEntity, from: Date, to: Date, m?: EntityManager): Promise<TimelineEntry[]> {
    const window = this.insightsWindow(channel, from, to);
    return this.posts.timelineWindow(channel, window.from, window.to, m);
  }

  /**
   * Gaps, violations and content mix over [from, to) of a timeline loaded by
   * insightsTimeline(channel, from, to), at `now`. Pure: no I/O (planInsights).
   */
  insightsOf(
    channel: ChannelEntity,
    timeline: TimelineEntry[],
    from: Date,
    to: Date,
    now: Date = this.clock.now(),
  ): PlanInsights {
    return planInsights(timeline, channel.rules, channel.timezone, { from, to, now });
  }

  /** Gaps, violations and content mix of a channel's plan over [from, to). */
  async insights(channel: ChannelEntity, from: Date, to: Date): Promise<PlanInsights> {
    return this.insightsOf(channel, await this.insightsTimeline(channel, from, to), from, to);
  }
}
