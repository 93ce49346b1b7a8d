import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { WakeTimer } from '../common/wake-timer';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DatabaseAvailability } from '../database/database-availability';
import { publishedPostsBetween, type PublishedPostRef } from '../posts/published-posts.query';
import { PublishError } from '../publishing/adapters/publish-error';
import { POST_PUBLISHED, type PostPublishedEvent } from '../publishing/publishing.events';
import { nextStep } from './collection-steps';
import { MetricsCollectionMetrics } from './metrics-collection.metrics';
import { METRICS_OPTIONS, DEFAULT_METRICS_OPTIONS, type MetricsOptions } from './metrics.options';
import {
  type ClaimedStep,
  type CollectionState,
  MetricsRepository,
  type NewCollection,
  type TakenStep,
} from './metrics.repository';
import { PostClickCounts } from './post-click-counts';
import { BlueskyMetricsReader } from './readers/bluesky-metrics.reader';
import { MastodonMetricsReader } from './readers/mastodon-metrics.reader';
import type { MetricsReader, ReadOutcome } from './readers/metrics-reader';

export const METRICS_COLLECT_INTERVAL = 'metrics-collect';
export const METRICS_SWEEP_INTERVAL = 'metrics-sweep';

/** Posts the sweep reads per statement. */
const SWEEP_PAGE = 500;
/** Decrypted credentials are kept this long per channel (a reconnect is picked up after it). */
const CREDENTIALS_TTL_MS = 60_000;

/** How a platform's posts are collected when it has no reader. */
const WITHOUT_READER: Record<string, CollectionState> = { webhook: 'push' };

/** One platform request: a channel's steps, at most the reader's batch size. */
interface Task {
  channelId: string;
  platform: string;
  reader: MetricsReader;
  steps: ClaimedStep[];
}

/**
 * Collects each published post's counts from its platform at the steps of METRICS_STEPS
 * (docs/metrics.md is this comment; see README, "Metrics collection").
 *
 * - Scheduling: `post.published` (after commit) schedules the post's first step; a sweep
 *   every `sweepIntervalMs` schedules published posts that have none (an event lost in a
 *   crash), among those whose last step has not passed a day ago. Idempotent (one row per post).
 * - Collecting: a tick claims due steps in one statement (FOR UPDATE SKIP LOCKED, a lease and
 *   a fresh attempt id per claim), reads them from the platforms (Bluesky in batches of 25
 *   per channel, Mastodon one status per request, `concurrency` requests at a time), and
 *   records the snapshots and the next steps in one fenced statement. The unique key
 *   (post, step) means each step gives one snapshot whatever the number of instances.
 * - Outcomes: a 429 (Retry-After, X-RateLimit-Reset or RateLimit-Reset; else
 *   `rateLimitDefaultMs`) defers every due step of the channel until then, on every instance,
 *   without counting a try; 404/410 (Bluesky: the post left out of getPosts) stops the
 *   post's collection (state `deleted`); any other failure retries the step with a doubling
 *   delay (`retryBaseMs`..`retryMaxMs`) and gives it up after `maxTries`, going on with the
 *   next step.
 */
@Injectable()
export class MetricsCollector implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MetricsCollector.name);
  private readonly options: MetricsOptions;
  private readonly readers: Map<string, MetricsReader>;
  private readonly steps: readonly number[];
  private readonly credentials = new Map<string, { at: number; value: Promise<Record<string, unknown>> }>();
  /** Channels rate limited on this instance: until when (Clock ms). */
  private readonly pausedUntil = new Map<string, number>();
  private pumping: Promise<void> | null = null;
  private pumpRequested = false;
  private sweeping: Promise<number> | null = null;
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly wake = new WakeTimer(() => void this.tick());

  constructor(
    private readonly repo: MetricsRepository,
    private readonly channels: ChannelsService,
    private readonly clock: Clock,
    private readonly metrics: MetricsCollectionMetrics,
    private readonly scheduler: SchedulerRegistry,
    private readonly database: DatabaseAvailability,
    @Inject(APP_CONFIG) config: AppConfig,
    mastodon: MastodonMetricsReader,
    bluesky: BlueskyMetricsReader,
    @Optional() @Inject(METRICS_OPTIONS) options?: Partial<MetricsOptions> | null,
    @Optional() private readonly clicks?: PostClickCounts | null,
  ) {
    this.options = { ...DEFAULT_METRICS_OPTIONS, ...options };
    this.steps = config.metricsSteps;
    this.readers = new Map<string, MetricsReader>([
      [mastodon.platform, mastodon],
      [bluesky.platform, bluesky],
    ]);
  }

  onApplicationBootstrap(): void {
    if (!this.options.schedule) return;
    const collect = setInterval(() => void this.tick(), this.options.intervalMs);
    collect.unref();
    this.scheduler.addInterval(METRICS_COLLECT_INTERVAL, collect);
    const sweep = setInterval(() => void this.sweep().catch(() => undefined), this.options.sweepIntervalMs);
    sweep.unref();
    this.scheduler.addInterval(METRICS_SWEEP_INTERVAL, sweep);
    void this.sweep().catch(() => undefined);
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const name of [METRICS_COLLECT_INTERVAL, METRICS_SWEEP_INTERVAL]) {
      if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    }
    this.wake.clear();
    // In-flight reads are aborted; their steps are handed back (nothing counted).
    this.abort.abort(new Error('instance shutting down'));
    await this.pumping;
    await this.sweeping;
  }

  /** The fast path: a post just published gets its first step. The sweep catches a lost event. */
  @OnEvent(POST_PUBLISHED)
  async onPublished(event: PostPublishedEvent): Promise<void> {
    const scheduled = await this.schedule(
      [
        {
          id: event.postId,
          workspaceId: event.workspaceId,
          channelId: event.channelId,
          platform: event.platform,
          externalId: event.externalId,
          publishedAt: event.publishedAt,
        },
      ],
      this.clock.now(),
    );
    if (scheduled > 0) {
      this.metrics.scheduled.inc({ via: 'event' }, scheduled);
      this.requestWake();
    }
  }

  /**
   * The backstop: schedules every published post without a collection whose last step is at
   * most a day old (older posts have nothing left to collect). Returns how many it scheduled.
   */
  sweep(): Promise<number> {
    if (!this.sweeping) {
      this.sweeping = this.sweepOnce()
        .catch((error: unknown) => {
          if (!this.database.explainedByOutage(error))
            this.logger.error(`Metrics sweep failed: ${(error as Error).message}`);
          return 0;
        })
        .finally(() => (this.sweeping = null));
    }
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    const now = this.clock.now();
    const last = this.steps[this.steps.length - 1] ?? 0;
    const from = new Date(now.getTime() - last - 24 * 3_600_000);
    const to = new Date(now.getTime() - this.options.sweepGraceMs);
    let after: { publishedAt: Date; id: string } | null = null;
    let scheduled = 0;
    while (!this.stopping) {
      const page = await publishedPostsBetween(this.repo.manager, from, to, after, SWEEP_PAGE);
      if (page.length === 0) break;
      const known = await this.repo.scheduledAmong(page.map((p) => p.id));
      const missing = page.filter((p) => !known.has(p.id));
      if (missing.length > 0) scheduled += await this.schedule(missing, now);
      if (page.length < SWEEP_PAGE) break;
      const tail = page[page.length - 1]!;
      after = { publishedAt: tail.publishedAt, id: tail.id };
    }
    if (scheduled > 0) {
      this.metrics.scheduled.inc({ via: 'sweep' }, scheduled);
      this.logger.warn(`Scheduled the metrics collection of ${scheduled} published posts whose event was lost`);
      this.requestWake();
    }
    return scheduled;
  }

  private async schedule(posts: readonly PublishedPostRef[], now: Date): Promise<number> {
    const items: NewCollection[] = posts.map((p) => {
      const base = {
        postId: p.id,
        channelId: p.channelId,
        platform: p.platform,
        externalId: p.externalId,
        publishedAt: p.publishedAt,
      };
      if (!this.readers.has(p.platform)) {
        return { ...base, step: 0, dueAt: null, state: WITHOUT_READER[p.platform] ?? 'unsupported' };
      }
      const first = nextStep(p.publishedAt, this.steps, -1, now);
      return first
        ? { ...base, step: first.step, dueAt: first.dueAt, state: 'collecting' }
        : { ...base, step: 0, dueAt: null, state: 'done' };
    });
    return (await this.repo.schedule(items, now)).length;
  }

  /** One round (or joins the one running): claims and collects due steps until none is due. */
  tick(): Promise<void> {
    this.pumpRequested = true;
    if (!this.pumping) {
      this.pumping = this.pumpLoop().finally(() => (this.pumping = null));
    }
    return this.pumping;
  }

  /** Collects every step due now (tests on a FixedClock call it after moving the clock). */
  async drain(): Promise<void> {
    await this.tick();
  }

  private async pumpLoop(): Promise<void> {
    while (this.pumpRequested && !this.stopping) {
      this.pumpRequested = false;
      try {
        while (!this.stopping) {
          const claimed = await this.repo.claimDue(this.clock.now(), this.options.batchSize, this.options.leaseMs);
          if (claimed.length === 0) break;
          this.metrics.claimed.inc(claimed.length);
          await this.collect(claimed);
          if (claimed.length < this.options.batchSize) break;
        }
        await this.armWakeTimer();
      } catch (error) {
        if (!this.database.explainedByOutage(error))
          this.logger.error(`Metrics collection round failed: ${(error as Error).message}`);
      }
    }
  }

  private async collect(claimed: ClaimedStep[]): Promise<void> {
    const tasks: Task[] = [];
    const byChannel = new Map<string, ClaimedStep[]>();
    for (const step of claimed) {
      const list = byChannel.get(step.channelId) ?? [];
      list.push(step);
      byChannel.set(step.channelId, list);
    }
    const orphans: ClaimedStep[] = [];
    for (const [channelId, steps] of byChannel) {
      const reader = this.readers.get(steps[0]!.platform);
      if (!reader) {
        orphans.push(...steps);
        continue;
      }
      for (let i = 0; i < steps.length; i += reader.batchSize) {
        tasks.push({ channelId, platform: reader.platform, reader, steps: steps.slice(i, i + reader.batchSize) });
      }
    }
    const now = this.clock.now();
    for (const step of orphans) {
      // A platform without a reader (its channel changed platform?): nothing to collect.
      await this.repo.skipStep(
        step.postId,
        step.attemptId,
        { step: step.step, dueAt: null, state: 'unsupported' },
        'no metrics reader',
        now,
      );
    }

    const taken: (TakenStep & { platform: string })[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        taken.push(...(await this.run(task)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, tasks.length) }, worker));
    if (taken.length === 0) return;

    await this.withClicks(taken);
    const written = await this.repo.recordTaken(taken, this.clock.now());
    for (const t of taken) {
      if (written.has(t.postId)) this.metrics.snapshots.inc({ platform: t.platform, source: 'collector' });
      else this.metrics.fenced.inc();
    }
  }

  /** Reads one task's posts and settles what is not a snapshot; returns the steps taken. */
  private async run(task: Task): Promise<(TakenStep & { platform: string })[]> {
    const paused = this.pausedUntil.get(task.channelId);
    if (paused !== undefined) {
      if (paused > this.clock.now().getTime()) return this.defer(task, paused);
      this.pausedUntil.delete(task.channelId);
    }
    if (this.stopping) {
      await this.repo.release(task.steps, this.clock.now(), this.clock.now());
      return [];
    }
    let outcomes: Map<string, ReadOutcome>;
    const started = performance.now();
    try {
      const credentials = await this.credentialsOf(task.channelId);
      outcomes = await task.reader.read(
        task.channelId,
        credentials,
        task.steps.map((s) => ({ postId: s.postId, externalId: s.externalId })),
        this.abort.signal,
      );
      this.metrics.requests.inc({ platform: task.platform, outcome: 'ok' });
    } catch (error) {
      this.metrics.requestDuration.observe({ platform: task.platform }, (performance.now() - started) / 1000);
      if (this.stopping) {
        await this.repo.release(task.steps, this.clock.now(), this.clock.now());
        return [];
      }
      const failure =
        error instanceof PublishError
          ? error
          : new PublishError('transient', `Could not read the counts: ${(error as Error).message}`);
      if (failure.kind === 'rate_limited') {
        this.metrics.requests.inc({ platform: task.platform, outcome: 'rate_limited' });
        const until = this.clock.now().getTime() + (failure.retryAfterMs ?? this.options.rateLimitDefaultMs);
        this.pausedUntil.set(task.channelId, Math.max(until, this.pausedUntil.get(task.channelId) ?? 0));
        return this.defer(task, this.pausedUntil.get(task.channelId)!);
      }
      this.metrics.requests.inc({ platform: task.platform, outcome: 'error' });
      await this.failed(task, failure);
      return [];
    }
    this.metrics.requestDuration.observe({ platform: task.platform }, (performance.now() - started) / 1000);

    const at = this.clock.now();
    const taken: (TakenStep & { platform: string })[] = [];
    for (const step of task.steps) {
      const outcome = outcomes.get(step.postId);
      if (!outcome) continue; // a reader answers every post; if not, the lease runs out and it is tried again
      if (outcome.kind === 'gone') {
        if (await this.repo.markDeleted(step.postId, step.attemptId, outcome.reason, at))
          this.metrics.deleted.inc({ platform: task.platform });
        else this.metrics.fenced.inc();
        continue;
      }
      const after = nextStep(step.publishedAt, this.steps, step.step, at);
      taken.push({
        platform: task.platform,
        postId: step.postId,
        attemptId: step.attemptId,
        step: step.step,
        snapshot: { at, ...outcome.counts, clicks: null },
        next: after
          ? { step: after.step, dueAt: after.dueAt, state: 'collecting' }
          : { step: step.step, dueAt: null, state: 'done' },
      });
    }
    return taken;
  }

  /** The channel is rate limited until `until`: its due steps wait (on every instance), nothing counted. */
  private async defer(task: Task, until: number): Promise<[]> {
    const deferred = await this.repo.deferChannel(
      task.channelId,
      new Date(until),
      task.steps.map((s) => s.attemptId),
      this.clock.now(),
    );
    this.metrics.deferred.inc({ platform: task.platform }, deferred);
    return [];
  }

  /** A failed try of each step of the task: retried later, or given up after `maxTries`. */
  private async failed(task: Task, error: PublishError): Promise<void> {
    const now = this.clock.now();
    for (const step of task.steps) {
      const tries = step.failures + 1;
      let written: boolean;
      if (tries >= this.options.maxTries) {
        const after = nextStep(step.publishedAt, this.steps, step.step, now);
        written = await this.repo.skipStep(
          step.postId,
          step.attemptId,
          after
            ? { step: after.step, dueAt: after.dueAt, state: 'collecting' }
            : { step: step.step, dueAt: null, state: 'done' },
          `Gave up step ${step.step + 1} after ${tries} tries: ${error.message}`,
          now,
        );
        if (written) this.metrics.givenUp.inc({ platform: task.platform });
      } else {
        const delay = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** step.failures);
        written = await this.repo.retryStep(
          step.postId,
          step.attemptId,
          new Date(now.getTime() + Math.max(delay, error.retryAfterMs ?? 0)),
          error.message,
          now,
        );
        if (written) this.metrics.retried.inc({ platform: task.platform, kind: error.kind });
      }
      if (!written) this.metrics.fenced.inc();
    }
  }

  /** Fills in each snapshot's first-party clicks (PostClickCounts), null without it or for untracked posts. */
  private async withClicks(taken: TakenStep[]): Promise<void> {
    if (!this.clicks) return;
    const at = taken[0]!.snapshot.at;
    try {
      const counts = await this.clicks.countsByPost(
        taken.map((t) => t.postId),
        at,
      );
      for (const t of taken) t.snapshot.clicks = counts.get(t.postId) ?? null;
    } catch (error) {
      // The platform's counts are worth keeping without the clicks.
      this.logger.warn(`Could not count clicks for ${taken.length} snapshots: ${(error as Error).message}`);
    }
  }

  /** Decrypted credentials per channel, kept for a minute. */
  private credentialsOf(channelId: string): Promise<Record<string, unknown>> {
    const now = this.clock.now().getTime();
    const cached = this.credentials.get(channelId);
    if (cached && now - cached.at < CREDENTIALS_TTL_MS && now >= cached.at) return cached.value;
    const value = this.channels.credentialsFor({ id: channelId });
    this.credentials.set(channelId, { at: now, value });
    value.catch(() => this.credentials.delete(channelId));
    return value;
  }

  /** A step may be due before the next interval: wake up for it. */
  private requestWake(): void {
    if (this.options.schedule && !this.stopping) void this.armWakeTimer().catch(() => undefined);
  }

  private async armWakeTimer(): Promise<void> {
    if (this.stopping || !this.options.schedule) return;
    const now = this.clock.now();
    const next = await this.repo.nextDueAt(now, new Date(now.getTime() + this.options.intervalMs));
    if (next) this.wake.arm(next.getTime(), now.getTime());
  }
}
