import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  CHANNEL_CONNECTION_BROKEN,
  CHANNEL_CONNECTION_RESTORED,
  type ChannelConnectionBrokenEvent,
  type ChannelConnectionRestoredEvent,
} from '../channels/channel.events';
import { ChannelsService } from '../channels/channels.service';
import { AlertDestinations } from './alert-destinations';
import { connectionBrokenMessage } from './alert-messages';
import { AlertsMetrics } from './alerts.metrics';
import { AlertsRepository } from './alerts.repository';

/**
 * A channel whose connection check found its credentials refused gets one open
 * `connection_broken` alert (before a post fails on it); a later good check, or a
 * reconnect, resolves it as handled (its recipients hear so). The channels module states
 * the transitions only (channel.connection_broken / _restored, docs/events.md), and this
 * listener opens nothing while one is open for the channel: a channel is alerted once.
 */
@Injectable()
export class ConnectionBrokenAlerts {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly channels: ChannelsService,
    private readonly destinations: AlertDestinations,
    private readonly metrics: AlertsMetrics,
  ) {}

  @OnEvent(CHANNEL_CONNECTION_BROKEN)
  async onBroken(event: ChannelConnectionBrokenEvent): Promise<void> {
    const [channel] = await this.channels.byIds([event.channelId]);
    if (!channel) return;
    await this.repo.transaction(async (m) => {
      if ((await this.repo.openConnectionAlerts(m, event.channelId)).length > 0) return;
      const result = await this.repo.upsert(
        m,
        {
          workspaceId: event.workspaceId,
          channelId: event.channelId,
          kind: 'connection_broken',
          startsAt: event.checkedAt,
          endsAt: event.checkedAt,
          postId: null,
          message: connectionBrokenMessage(event.problem, event.checkedAt, channel.timezone),
          details: { problem: event.problem, platform: event.platform },
        },
        event.checkedAt,
      );
      if (!result?.opened) return;
      this.metrics.opened.inc({ kind: 'connection_broken' });
      const ws = await this.destinations.forWorkspace(event.workspaceId, m);
      const muted = ws.mutedUntil(event.channelId);
      if (muted && muted.getTime() > event.checkedAt.getTime()) return;
      await this.repo.enqueueOpened(m, result.id, result.occurrence, await ws.destinations(m), event.checkedAt);
    });
  }

  @OnEvent(CHANNEL_CONNECTION_RESTORED)
  async onRestored(event: ChannelConnectionRestoredEvent): Promise<void> {
    await this.repo.transaction(async (m) => {
      const open = await this.repo.openConnectionAlerts(m, event.channelId);
      const closed = await this.repo.resolve(m, open, 'handled', event.checkedAt);
      if (closed.length > 0) await this.repo.closeDeliveries(m, closed, true, event.checkedAt);
    });
  }
}
