import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ChannelsService } from '../channels/channels.service';
import { Clock } from '../common/clock';
import { WakeTimer } from '../common/wake-timer';
import { DomainError } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AfterCommitEvents } from '../database/after-commit-events';
import { DatabaseAvailability } from '../database/database-availability';
import { AdapterRegistry } from './adapters/adapter-registry';
import type {
  PlatformAdapter,
  PublishableMedia,
  PublishablePost,
  PublishOutcome,
  PublishTarget,
} from './adapters/platform-adapter';
import { MediaService } from '../media/media.service';
import type { MediaItem } from '../media/media.types';
import { MediaUploadsRepository } from './media-uploads.repository';
import { PublishError } from './adapters/publish-error';
import { findLinks, replaceLinks } from '../content/links';
import { withChannelUtm } from '../content/utm';
import { LinksService } from '../links/links.service';
import { PublishedWriter } from './published.writer';
import { POST_PUBLISH_FAILED, POST_PUBLISHED } from './publishing.events';
import { PUBLISHING_OPTIONS, type PublishingOptions, resolvePublishingOptions } from './publishing.options';
import { PublishingMetrics } from './publishing.metrics';
import { type ClaimedPost, PostDispatchRepository } from '../posts/post-dispatch.repository';
import { asPublishError, decideAfterFailure, type FailureReason, isMissed, missedMessage } from './retry-policy';

export const DISPATCH_INTERVAL_NAME = 'publishing-dispatch';
export const LEASE_HEARTBEAT_NAME = 'publishing-lease-heartbeat';
/** How long the signed links to a post's files stay valid for a webhook receiver. */
export const MEDIA_LINK_TTL_SECONDS = 7 * 24 * 3600;

interface InFlight {
  post: ClaimedPost;
  abort: AbortController;
  /** Still counts against `concurrency` (until its platform call ends). */
  holdsSlot: boolean;
  /** When (Clock time, ms) it was claimed or its lease last renewed. */
  renewedAt: number;
  /** The heartbeat found the post taken by a newer attempt: this one was aborted. */
  leaseLost: boolean;
}

/**
 * Claims due posts and publishes each once (see docs/publishing.md).
 *
 * - A tick every DISPATCH_INTERVAL_MS claims due posts (and expired leases) in batches,
 *   as long as there is due work and free capacity (`concurrency` posts in flight).
 *   After each round a single in-memory timer is armed for the earliest post due before
 *   the next tick, so posts are handed over within milliseconds of their time instead of
 *   within a polling interval.
 * - Each claimed post is published through its platform adapter with the post id as
 *   idempotency key, then recorded `published` (group-committed), retried with backoff,
 *   or `failed`. Every write is fenced on the claim's attempt id. Once written, the
 *   outcome is stated as `post.published` or `post.publish_failed` (docs/events.md).
 * - A heartbeat every `renewEveryMs` renews, in one fenced statement, the lease of every
 *   attempt of this instance that has run for half a period or more: a slow platform or a
 *   long upload keeps its post however long it takes, while the lease stays short, so the
 *   posts of an instance that died are taken over within `leaseMs` of its last heartbeat.
 *   An attempt whose renewal finds its post taken (the lease ran out while this instance
 *   could not reach the database, say) is aborted and writes nothing.
 * - On shutdown: stop claiming, let in-flight publications finish for `shutdownGraceMs`,
 *   then abort the rest and hand them back (`scheduled`, due now) for another instance.
 */
@Injectable()
export class PublishDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('PublishDispatcher');
  private readonly options: Required<PublishingOptions>;
  /** Claimed posts until their outcome is written (shutdown and waitForIdle wait for these). */
  private readonly inFlight = new Map<string, InFlight>();
  /** Claimed posts whose platform call has not ended: what `concurrency` limits. */
  private busySlots = 0;
  private readonly channelPausedUntil = new Map<string, number>();
  private readonly credentialCache = new Map<string, { version: number; value: Promise<Record<string, unknown>> }>();
  private readonly idleWaiters: (() => void)[] = [];
  private pumping: Promise<void> | null = null;
  private pumpRequested = false;
  /** The last claim was full: more due work is probably waiting. */
  private backlog = false;
  private stopping = false;
  private untrackedWarned = false;
  private readonly wake = new WakeTimer(() => void this.tick());
  private heartbeating: Promise<void> | null = null;
  /** Clock minus PostgreSQL's clock, measured at start (ms). */
  clockSkewMs?: number;

  constructor(
    private readonly repo: PostDispatchRepository,
    private readonly adapters: AdapterRegistry,
    private readonly channels: ChannelsService,
    private readonly clock: Clock,
    private readonly metrics: PublishingMetrics,
    private readonly scheduler: SchedulerRegistry,
    private readonly events: AfterCommitEvents,
    private readonly writer: PublishedWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PUBLISHING_OPTIONS) options: Partial<PublishingOptions>,
    private readonly database: DatabaseAvailability,
    private readonly media: MediaService,
    private readonly uploads: MediaUploadsRepository,
    private readonly links: LinksService,
  ) {
    this.options = resolvePublishingOptions(options);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.checkClockSkew();
    const interval = setInterval(() => void this.tick(), this.config.dispatchIntervalMs);
    interval.unref();
    this.scheduler.addInterval(DISPATCH_INTERVAL_NAME, interval);
    if (this.options.autoRenew) {
      const heartbeat = setInterval(() => void this.renewLeases(), this.options.renewEveryMs);
      heartbeat.unref();
      this.scheduler.addInterval(LEASE_HEARTBEAT_NAME, heartbeat);
    }
    // Posts that fell due while no instance ran are picked up now, not one interval later.
    setImmediate(() => void this.tick());
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * One dispatch round: claims due posts while there are some and capacity is free, starts
   * publishing them, and arms the wake-up timer. Resolves when the claiming is done (not
   * the publications: see waitForIdle). Calls while a round runs join it.
   */
  tick(): Promise<void> {
    if (this.stopping) return this.pumping ?? Promise.resolve();
    this.pumpRequested = true;
    if (!this.pumping) {
      this.pumping = this.pumpLoop().finally(() => {
        this.pumping = null;
        this.notifyIfIdle();
      });
    }
    return this.pumping;
  }

  /** Resolves when no round runs and no publication is in flight (for tests and shutdown). */
  waitForIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * A round, then every publication it started, then the listeners of what they stated:
   * what tests call instead of sleeping.
   */
  async drain(): Promise<void> {
    await this.tick();
    await this.waitForIdle();
    await this.events.settled();
  }

  /** Posts claimed by this instance whose outcome is not written yet. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Stops claiming, finishes or releases in-flight posts. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopping) return this.waitForIdle();
    this.stopping = true;
    if (this.scheduler.doesExist('interval', DISPATCH_INTERVAL_NAME))
      this.scheduler.deleteInterval(DISPATCH_INTERVAL_NAME);
    this.wake.clear();
    await this.pumping;
    if (this.inFlight.size > 0) {
      this.logger.log(
        `Shutting down: waiting up to ${this.options.shutdownGraceMs} ms for ${this.inFlight.size} publications`,
      );
      const finished = await Promise.race([
        this.waitForIdle().then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), this.options.shutdownGraceMs).unref()),
      ]);
      if (!finished) {
        this.logger.warn(`Shutting down: releasing ${this.inFlight.size} unfinished publications to other instances`);
        for (const { abort } of this.inFlight.values()) abort.abort(new Error('instance shutting down'));
        await this.waitForIdle();
      }
    }
    // The heartbeat ran through the grace period; nothing of this instance is in flight now.
    if (this.scheduler.doesExist('interval', LEASE_HEARTBEAT_NAME)) this.scheduler.deleteInterval(LEASE_HEARTBEAT_NAME);
    await this.heartbeating;
    await this.writer.flushed();
    await this.events.settled();
  }

  /**
   * One heartbeat: renews the leases of attempts that have run for half a period or more
   * (most publications end well before and cost nothing), and aborts those that lost their
   * post. A beat still running when the next is due is not doubled.
   */
  renewLeases(): Promise<void> {
    if (!this.heartbeating) {
      this.heartbeating = this.beat().finally(() => (this.heartbeating = null));
    }
    return this.heartbeating;
  }

  private async beat(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.inFlight.values()].filter(
      (e) => !e.leaseLost && now.getTime() - e.renewedAt >= this.options.renewEveryMs / 2,
    );
    if (due.length === 0) return;
    let renewed: Set<string>;
    try {
      renewed = await this.repo.renewLeases(
        due.map((e) => ({ id: e.post.id, attemptId: e.post.attemptId })),
        now,
        this.options.leaseMs,
      );
    } catch (error) {
      // The next beat tries again; the lease still has two periods to run.
      if (!this.database.explainedByOutage(error))
        this.logger.error(`Renewing ${due.length} leases failed: ${(error as Error).message}`);
      return;
    }
    this.metrics.leasesRenewed.inc(renewed.size);
    for (const entry of due) {
      if (renewed.has(entry.post.attemptId)) {
        entry.renewedAt = now.getTime();
      } else if (entry.holdsSlot && this.inFlight.get(entry.post.attemptId) === entry) {
        // Still talking to the platform, but another attempt owns the post now: stop, so
        // the two do not both publish; the platform's idempotency key covers a race.
        entry.leaseLost = true;
        this.metrics.leasesLost.inc();
        this.logger.warn(`Post ${entry.post.id}: attempt ${entry.post.attempts} lost its lease; aborting it`);
        entry.abort.abort(new Error('the lease passed to another attempt'));
      }
    }
  }

  private async pumpLoop(): Promise<void> {
    while (this.pumpRequested && !this.stopping) {
      this.pumpRequested = false;
      try {
        await this.claimWhileDue();
        await this.armWakeTimer();
      } catch (error) {
        // During a database outage DatabaseAvailability says so once; each round does not.
        if (!this.database.explainedByOutage(error))
          this.logger.error(`Dispatch round failed: ${(error as Error).message}`);
      }
    }
  }

  private async claimWhileDue(): Promise<void> {
    while (!this.stopping) {
      const free = this.options.concurrency - this.busySlots;
      if (free <= 0) {
        this.backlog = true;
        return;
      }
      const wanted = Math.min(free, this.options.batchSize);
      const claimed = await this.repo.claimDue(this.clock.now(), wanted, this.options.leaseMs);
      if (claimed.length > 0) this.metrics.claimed.inc(claimed.length);
      for (const post of claimed) this.start(post);
      this.backlog = claimed.length === wanted;
      if (!this.backlog) return;
    }
  }

  private start(post: ClaimedPost): void {
    const entry: InFlight = {
      post,
      abort: new AbortController(),
      holdsSlot: true,
      renewedAt: this.clock.now().getTime(),
      leaseLost: false,
    };
    this.inFlight.set(post.attemptId, entry);
    this.busySlots++;
    void this.process(entry)
      .catch((error: unknown) => {
        // The post stays `publishing`; its lease expires and it is claimed again.
        this.logger.error(`Publishing post ${post.id} failed unexpectedly: ${(error as Error).message}`);
      })
      .finally(() => {
        this.freeSlot(entry);
        this.inFlight.delete(post.attemptId);
        this.notifyIfIdle();
      });
  }

  /** The platform call is over: the slot goes to the next due post (the write may still run). */
  private freeSlot(entry: InFlight): void {
    if (!entry.holdsSlot) return;
    entry.holdsSlot = false;
    this.busySlots--;
    const free = this.options.concurrency - this.busySlots;
    if (this.backlog && !this.stopping && (free >= Math.max(1, this.options.concurrency / 4) || this.busySlots === 0)) {
      void this.tick();
    }
  }

  private async process(entry: InFlight): Promise<void> {
    const { post, abort } = entry;
    const now = this.clock.now();
    if (post.attempts > this.options.maxAttempts) {
      return this.fail(
        post,
        'exhausted',
        `Gave up after ${post.attempts - 1} attempts: the instances publishing it stopped responding.`,
      );
    }
    if (post.channelStatus !== 'active') {
      return this.fail(
        post,
        'channel_archived',
        'The channel was archived before the post was published; it was not published.',
      );
    }
    if (isMissed(post.scheduledAt, now, post.latenessLimitMinutes)) {
      return this.fail(post, 'missed', missedMessage(post.scheduledAt, now, post.latenessLimitMinutes));
    }
    const pausedUntil = this.channelPausedUntil.get(post.channelId);
    if (pausedUntil !== undefined) {
      if (pausedUntil > now.getTime()) {
        await this.repo.release(post.id, post.attemptId, new Date(pausedUntil));
        return;
      }
      this.channelPausedUntil.delete(post.channelId);
    }

    let adapter: PlatformAdapter;
    let target: PublishTarget;
    let publishable: PublishablePost;
    try {
      adapter = this.adapters.get(post.platform);
      publishable = await this.publishable(post, await this.mediaOf(post));
      target = {
        channelId: post.channelId,
        platform: post.platform,
        name: post.channelName,
        handle: post.channelHandle,
        credentials: await this.credentialsOf(post),
      };
    } catch (error) {
      return this.afterFailure(
        post,
        error instanceof PublishError
          ? error
          : new PublishError('transient', `Could not prepare the publication: ${(error as Error).message}`),
      );
    }

    const handoverAt = this.clock.now();
    if (post.attempts === 1 && !post.reclaimed) {
      this.metrics.handoverLag.observe(
        { platform: post.platform },
        Math.max(0, handoverAt.getTime() - post.scheduledAt.getTime()) / 1000,
      );
    }
    let outcome: PublishOutcome;
    try {
      outcome = await adapter.publish(
        publishable,
        target,
        post.id,
        abort.signal,
        this.uploads.ledgerFor(post.id, post.platform),
      );
    } catch (error) {
      if (abort.signal.aborted && this.stopping) {
        // Shutting down: hand it back at once; the retry uses the same idempotency key.
        await this.repo.release(post.id, post.attemptId, this.clock.now());
        return;
      }
      this.freeSlot(entry);
      if (entry.leaseLost) return this.fenced(post, 'aborted');
      return this.afterFailure(post, asPublishError(error));
    }
    this.freeSlot(entry);

    const publishedAt = this.clock.now();
    const written = await this.writer.write({
      id: post.id,
      attemptId: post.attemptId,
      externalId: outcome.externalId,
      externalUrl: outcome.externalUrl,
      publishedAt,
    });
    if (!written) return this.fenced(post, 'published');
    this.metrics.published.inc({ platform: post.platform });
    // The writer's statement commits on its own: it has when write() resolves.
    this.events.emitCommitted(POST_PUBLISHED, {
      postId: post.id,
      workspaceId: post.workspaceId,
      channelId: post.channelId,
      platform: post.platform,
      externalId: outcome.externalId,
      externalUrl: outcome.externalUrl,
      attempts: post.attempts,
      scheduledAt: post.scheduledAt,
      publishedAt,
    });
  }

  private async afterFailure(post: ClaimedPost, error: PublishError): Promise<void> {
    const now = this.clock.now();
    if (error.kind === 'rate_limited') {
      const until = now.getTime() + (error.retryAfterMs ?? this.options.rateLimitDefaultMs);
      this.channelPausedUntil.set(post.channelId, Math.max(until, this.channelPausedUntil.get(post.channelId) ?? 0));
    }
    const decision = decideAfterFailure(error, post.attempts, now, this.options);
    if (decision.action === 'fail') return this.fail(post, decision.reason, decision.lastError);
    const written = await this.repo.scheduleRetry(post.id, post.attemptId, decision.at, decision.lastError);
    if (written) this.metrics.retried.inc({ platform: post.platform, kind: error.kind });
    else this.fenced(post, 'retry');
  }

  /**
   * Records the post `failed` and states `post.publish_failed` once that has committed (the
   * alerts module opens its publish_failed alert from it, and sweeps for any it missed).
   */
  private async fail(post: ClaimedPost, reason: FailureReason, lastError: string): Promise<void> {
    const failedAt = this.clock.now();
    const written = await this.repo.transaction(async (m) => {
      const ok = await this.repo.markFailed(m, post.id, post.attemptId, reason, lastError);
      if (ok) {
        this.events.emitOnCommit(m, POST_PUBLISH_FAILED, {
          postId: post.id,
          workspaceId: post.workspaceId,
          channelId: post.channelId,
          platform: post.platform,
          reason,
          lastError,
          attempts: post.attempts,
          scheduledAt: post.scheduledAt,
          failedAt,
        });
      }
      return ok;
    });
    if (written) this.metrics.failed.inc({ platform: post.platform, reason });
    else this.fenced(post, 'failed');
  }

  private fenced(post: ClaimedPost, what: string): void {
    this.metrics.fenced.inc();
    this.logger.warn(
      `Post ${post.id}: attempt ${post.attempts} finished (${what}) after its lease passed to a newer attempt; nothing written`,
    );
  }

  /**
   * The post's library files in its order, with the post's alt texts over the library's.
   * A file that is gone (it cannot be deleted while a post waits for it) fails the attempt as
   * rejected: the post is never published without it.
   */
  private async mediaOf(post: ClaimedPost): Promise<PublishableMedia[]> {
    if (post.mediaRefs.length === 0) return [];
    let items: MediaItem[];
    try {
      items = await this.media.resolve(post.workspaceId, post.mediaRefs);
    } catch (error) {
      // Anything but "not in the library" (the database, say) is retried as a preparation failure.
      if (!(error instanceof DomainError)) throw error;
      throw new PublishError(
        'rejected',
        'A file of this post is no longer in the media library; it was not published. Edit its media and schedule it again.',
      );
    }
    return items.map((item) => ({
      id: item.id,
      kind: item.kind,
      mimeType: item.mimeType,
      bytes: item.bytes,
      sha256: item.sha256,
      ...(item.width !== null ? { width: item.width } : {}),
      ...(item.height !== null ? { height: item.height } : {}),
      ...(item.durationMs !== null ? { durationMs: item.durationMs } : {}),
      alt: item.alt,
      focus: item.focus,
      open: (opts) => this.media.open(item.id, opts),
      url: this.media.signedUrl(item.id, MEDIA_LINK_TTL_SECONDS),
    }));
  }

  /**
   * The post as the platform gets it: its links UTM-tagged (the channel's campaign) and, on a
   * channel that tracks links, each replaced by its `{PUBLIC_URL}/l/{code}`, the code's
   * target being the tagged link. Codes are per post and target, so a retry publishes the
   * same text. Without PUBLIC_URL (unset after the channel turned tracking on) the tagged
   * links go out untracked.
   */
  private async publishable(post: ClaimedPost, files: PublishableMedia[]): Promise<PublishablePost> {
    const base: PublishablePost = {
      id: post.id,
      body: post.body,
      title: post.title,
      link: post.link,
      media: files,
      mediaUrls: post.media,
      category: post.category,
      scheduledAt: post.scheduledAt,
    };
    const tagged = withChannelUtm(base, post.platform, post.utm?.campaign);
    if (!post.trackLinks) return tagged;
    if (!this.links.enabled) {
      if (!this.untrackedWarned)
        this.logger.warn('A channel tracks links but PUBLIC_URL is unset: its links are published untracked');
      this.untrackedWarned = true;
      return tagged;
    }
    const link = tagged.link?.trim() || null;
    const targets = findLinks(tagged.body).map((l) => l.url);
    if (link && /^https?:\/\//i.test(link)) targets.push(link);
    if (targets.length === 0) return tagged;
    const tracked = await this.links.track(
      {
        postId: post.id,
        channelId: post.channelId,
        workspaceId: post.workspaceId,
        campaign: post.utm?.campaign ?? null,
      },
      targets,
    );
    return {
      ...tagged,
      body: replaceLinks(tagged.body, (url) => tracked.get(url) ?? url),
      link: link ? (tracked.get(link) ?? link) : tagged.link,
      linkTargets: Object.fromEntries([...tracked].map(([target, url]) => [url, target])),
    };
  }

  /** Decrypted credentials, cached per channel version (a credentials change bumps it). */
  private credentialsOf(post: ClaimedPost): Promise<Record<string, unknown>> {
    const cached = this.credentialCache.get(post.channelId);
    if (cached && cached.version === post.channelVersion) return cached.value;
    const value = this.channels.credentialsFor({ id: post.channelId });
    this.credentialCache.set(post.channelId, { version: post.channelVersion, value });
    value.catch(() => this.credentialCache.delete(post.channelId));
    return value;
  }

  private async armWakeTimer(): Promise<void> {
    if (this.stopping) return;
    const now = this.clock.now();
    const next = await this.repo.nextDueAt(now, new Date(now.getTime() + this.config.dispatchIntervalMs));
    if (next) this.wake.arm(next.getTime(), now.getTime());
  }

  private isIdle(): boolean {
    return this.pumping === null && this.inFlight.size === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async checkClockSkew(): Promise<void> {
    try {
      const before = this.clock.now().getTime();
      const db = (await this.repo.databaseNow()).getTime();
      const after = this.clock.now().getTime();
      this.clockSkewMs = Math.round((before + after) / 2 - db);
      if (Math.abs(this.clockSkewMs) > this.options.clockSkewWarnMs) {
        this.logger.warn(
          `This instance's clock differs from PostgreSQL's by ${this.clockSkewMs} ms: posts may be published that much ` +
            'early or late. Synchronise the clocks (NTP).',
        );
      }
    } catch (error) {
      this.logger.warn(`Could not compare the clock with PostgreSQL's: ${(error as Error).message}`);
    }
  }
}
