import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { PlanRevision, planRevisionOf } from '../channels/plan-revision';

/**
 * The calendar's own reads: its REPEATABLE READ snapshot, and the plan revisions seen in it
 * (so that the posts read in the snapshot are stored under the revision they belong to).
 * Channels, with the revision current when a request starts, come from ChannelsService;
 * both reads name a revision with planRevisionOf, so their tokens compare equal.
 */
@Injectable()
export class CalendarRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Plan revisions of these channels as `m` sees them. */
  async revisions(channelIds: string[], m: EntityManager): Promise<Map<string, PlanRevision>> {
    const rows: { channel_id: string; revision: string; changed_at: Date }[] = await m.query(
      `SELECT channel_id, revision, changed_at FROM feed_channel_revisions WHERE channel_id = ANY($1::uuid[])`,
      [channelIds],
    );
    const out = new Map<string, PlanRevision>(channelIds.map((id) => [id, planRevisionOf(null, null)]));
    for (const r of rows) out.set(r.channel_id, planRevisionOf(r.revision, r.changed_at));
    return out;
  }

  /**
   * Runs `work` in one REPEATABLE READ transaction: every statement in it sees the same
   * snapshot, so posts read in it belong to the revision read in it.
   */
  snapshot<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction('REPEATABLE READ', work);
  }
}
