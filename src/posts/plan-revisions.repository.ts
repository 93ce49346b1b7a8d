import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { PreparedQueries, PreparedStatement, preparedStatement } from '../database/prepared-queries';
import { planRevisionOf, type PlanRevisionState } from './plan-revision';

/** The plan revisions of a set of channels (named columns: it is a prepared statement). */
const REVISIONS_SQL = `SELECT channel_id, revision, changed_at FROM post_plan_revisions WHERE channel_id = ANY($1::uuid[])`;

interface RevisionRow {
  channel_id: string;
  revision: string;
  changed_at: Date;
}

/**
 * Every statement on `post_plan_revisions` (written only by the triggers on posts): reads
 * of channels' plan revisions, for the calendar's and the feeds' caches.
 */
@Injectable()
export class PlanRevisionsRepository {
  private readonly revisions: PreparedStatement = preparedStatement('post_plan_revisions_of_channels', REVISIONS_SQL);

  constructor(private readonly prepared: PreparedQueries) {}

  /**
   * The revisions of these channels (every one of them: "0:0" for a channel without a row):
   * outside any transaction, as a prepared statement (a hot read), or as `m` sees them
   * (e.g. in the calendar's REPEATABLE READ snapshot, with the posts read there).
   */
  async of(channelIds: string[], m?: EntityManager): Promise<Map<string, PlanRevisionState>> {
    const out = new Map<string, PlanRevisionState>(channelIds.map((id) => [id, planRevisionOf(null, null)]));
    if (channelIds.length === 0) return out;
    const rows: RevisionRow[] = m
      ? await m.query(REVISIONS_SQL, [channelIds])
      : await this.prepared.rows<RevisionRow>(this.revisions, [channelIds]);
    for (const r of rows) out.set(r.channel_id, planRevisionOf(r.revision, r.changed_at));
    return out;
  }
}
