import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';
import { ChannelsService } from '../channels/channels.service';
import { failedPostsBesides } from '../posts/failed-posts.query';
import { POST_PUBLISH_FAILED, type PostPublishFailedEvent } from '../publishing/publishing.events';
import { AlertDestinations } from './alert-destinations';
import { publishFailedMessage } from './alert-messages';
import { AlertsMetrics } from './alerts.metrics';
import { AlertsRepository } from './alerts.repository';

/** Failed posts without an alert that one sweep opens alerts for (the rest wait for the next). */
export const SWEEP_LIMIT = 500;

interface Failure {
  postId: string;
  workspaceId: string;
  channelId: string;
  reason: string;
  lastError: string;
  attempts: number;
  scheduledAt: Date;
  failedAt: Date;
}

/**
 * Every failed post gets its publish_failed alert (one per channel and post time, the
 * alert's natural key), with its deliveries queued unless the channel is muted.
 *
 * - The fast path is the `post.publish_failed` event, delivered once the failure has
 *   committed: the alert opens within milliseconds.
 * - The guarantee is the sweep, run by every gap scan: an event is lost when its instance
 *   dies between the commit and the listener (or the listener fails), so the sweep opens
 *   the alert of every failed post that has no open one. Two statements per sweep, however
 *   many posts failed; idempotent through the natural key, so the event and the sweep (on
 *   any number of instances) may both handle one failure: it is alerted once.
 */
@Injectable()
export class PublishFailedAlerts {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly channels: ChannelsService,
    private readonly destinations: AlertDestinations,
    private readonly metrics: AlertsMetrics,
  ) {}

  /** The fast path. Its errors are logged by the event bus; the sweep catches up. */
  @OnEvent(POST_PUBLISH_FAILED)
  async onPublishFailed(event: PostPublishFailedEvent): Promise<void> {
    const [channel] = await this.channels.byIds([event.channelId]);
    if (!channel) return;
    await this.repo.transaction((m) => this.open(m, event, channel.timezone));
  }

  /** The backstop: opens the alerts of failed posts that have none. Returns how many it opened. */
  async sweep(now: Date): Promise<number> {
    const missing = await this.repo.transaction(async (m) =>
      failedPostsBesides(m, await this.repo.openPublishFailedKeys(m), SWEEP_LIMIT),
    );
    if (missing.length === 0) return 0;
    const zones = new Map(
      (await this.channels.byIds([...new Set(missing.map((p) => p.channelId))])).map((c) => [c.id, c.timezone]),
    );
    let opened = 0;
    for (const post of missing) {
      const zone = zones.get(post.channelId);
      if (!zone) continue;
      // Only the event knows the instant of the failure: the sweep's alert ends "by now".
      const failure: Failure = { ...post, postId: post.id, failedAt: now };
      if (await this.repo.transaction((m) => this.open(m, failure, zone))) opened++;
    }
    return opened;
  }

  /** Opens (or finds open) the failure's alert in `m`; true when it opened now. */
  private async open(m: EntityManager, f: Failure, zone: string): Promise<boolean> {
    const result = await this.repo.upsert(
      m,
      {
        workspaceId: f.workspaceId,
        channelId: f.channelId,
        kind: 'publish_failed',
        startsAt: f.scheduledAt,
        endsAt: f.failedAt,
        postId: f.postId,
        message: publishFailedMessage(f.scheduledAt, f.reason, f.lastError, zone),
        details: { reason: f.reason, lastError: f.lastError.slice(0, 500), attempts: f.attempts },
      },
      f.failedAt,
    );
    if (!result?.opened) return false;
    this.metrics.opened.inc({ kind: 'publish_failed' });
    const ws = await this.destinations.forWorkspace(f.workspaceId, m);
    const muted = ws.mutedUntil(f.channelId);
    if (muted && muted.getTime() > f.failedAt.getTime()) return true;
    await this.repo.enqueueOpened(m, result.id, result.occurrence, await ws.destinations(m), f.failedAt);
    return true;
  }
}
