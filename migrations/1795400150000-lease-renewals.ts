import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lease renewal is not a change of the plan. In-flight publications renew their lease every
 * few seconds (src/publishing/publish.dispatcher.ts, heartbeat); those statements set only
 * `lease_until`. The statement-level trigger function that bumps a channel's plan revision
 * (migration PostPlanRevisions) now counts, for UPDATE, only the rows that changed in some
 * other column: a heartbeat no longer invalidates the calendar caches and feed renders of
 * its channel, nor sends a change notification, while every other update (a category
 * renamed across posts included) still does. INSERT, DELETE and TRUNCATE are unchanged.
 */
export class LeaseRenewals1795400150000 implements MigrationInterface {
  name = 'LeaseRenewals1795400150000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(changesFunction(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(changesFunction(false));
  }
}

function changesFunction(onlyRealChanges: boolean): string {
  // A row changed in anything but lease_until (the version test first: every write of the
  // app but a category rename bumps it, so the row comparison rarely runs).
  const changed = `n."version" IS DISTINCT FROM o."version" OR (to_jsonb(n) - 'lease_until') IS DISTINCT FROM (to_jsonb(o) - 'lease_until')`;
  const updated = onlyRealChanges
    ? `SELECT n."channel_id" FROM new_rows n JOIN old_rows o ON o."id" = n."id" WHERE ${changed}
               UNION SELECT o."channel_id" FROM new_rows n JOIN old_rows o ON o."id" = n."id" WHERE ${changed}`
    : `SELECT "channel_id" FROM new_rows UNION SELECT "channel_id" FROM old_rows`;
  return `CREATE OR REPLACE FUNCTION "post_plan_note_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO "post_plan_revisions" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (SELECT DISTINCT "channel_id" FROM new_rows) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO "post_plan_revisions" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (SELECT DISTINCT "channel_id" FROM old_rows) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        ELSE
          INSERT INTO "post_plan_revisions" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (${updated}) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        END IF;
        RETURN NULL;
      END $$`;
}
