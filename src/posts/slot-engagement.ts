import type { ChannelEntity } from '../channels/channel.entity';
import type { BestTimeCell } from './best-times';

/**
 * How a channel's posts performed by weekday and hour, for `next-slot?prefer=engagement`.
 * Declared here and provided by the reports module (which reads the metrics) through the
 * composition root; optional: without it, or without history, next-slot stays the plain one.
 */
export abstract class SlotEngagement {
  abstract bestTimes(channel: ChannelEntity): Promise<BestTimeCell[]>;
}
