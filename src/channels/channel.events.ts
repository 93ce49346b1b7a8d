import { eventName } from '../database/after-commit-events';
import type { Platform } from './channel.entity';

/** A connection check found a channel's credentials refused (it was not already known broken). */
export interface ChannelConnectionBrokenEvent {
  workspaceId: string;
  channelId: string;
  platform: Platform;
  /** Why, as the channel's `connection.problem` shows it (never a credential). */
  problem: string;
  checkedAt: Date;
}

/** A channel known broken works again (a good check, or it was reconnected). */
export interface ChannelConnectionRestoredEvent {
  workspaceId: string;
  channelId: string;
  platform: Platform;
  checkedAt: Date;
}

export const CHANNEL_CONNECTION_BROKEN = eventName<ChannelConnectionBrokenEvent>('channel.connection_broken');
export const CHANNEL_CONNECTION_RESTORED = eventName<ChannelConnectionRestoredEvent>('channel.connection_restored');
