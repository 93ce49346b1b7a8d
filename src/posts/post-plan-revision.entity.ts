import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row per channel whose posts ever changed: `revision` grows on every INSERT, UPDATE
 * or DELETE of its posts (and a TRUNCATE of posts moves every row). Maintained by
 * statement-level triggers on `posts` in the writing transaction (migrations Feeds and
 * PostPlanRevisions), so any writer (API, dispatcher, raw SQL) is seen. Read only through
 * the posts module (PlanService.revisions, plan-revision.ts): calendars and feeds compare
 * it with what they saw last time to answer without reading the posts at all.
 */
@Entity({ name: 'post_plan_revisions' })
export class PostPlanRevisionEntity {
  @PrimaryColumn({ name: 'channel_id', type: 'uuid' })
  channelId: string;

  @Column({ type: 'bigint', default: 0 })
  revision: string;

  @Column({ name: 'changed_at', type: 'timestamptz', precision: 3, default: () => 'now()' })
  changedAt: Date;
}
