import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The plan revision of a channel belongs to the posts module (src/posts/plan-revision.ts):
 * `feed_channel_revisions` (migration Feeds) becomes `post_plan_revisions`, and the
 * triggers and functions that keep it (migrations Feeds and ChangeNotifications) take
 * names that say so. Behaviour is unchanged: every statement on posts still bumps the
 * revision of each channel it wrote to, in channel order, in the writing transaction; a
 * TRUNCATE of posts moves them all; a change of a revision still NOTIFYs
 * `palinsesto_channels` with the channel's id (the calendar's cache of channels with their
 * revisions listens there), and a TRUNCATE of the table notifies "*".
 *
 * The table is renamed in place (its rows, the triggers on it and the functions keep their
 * identity); only the function bodies, which name the table, are written again.
 */
export class PostPlanRevisions1795400000000 implements MigrationInterface {
  name = 'PostPlanRevisions1795400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "feed_channel_revisions" RENAME TO "post_plan_revisions"`);
    // The name TypeORM gives the primary key of post_plan_revisions (channel_id).
    await q.query(
      `ALTER TABLE "post_plan_revisions" RENAME CONSTRAINT "PK_d4220948e7efcf68925024f3143" TO "PK_11253fed678b7a6fafb583b3dcd"`,
    );
    await q.query(
      `ALTER TRIGGER "feed_channel_revisions_notify_change" ON "post_plan_revisions" RENAME TO "post_plan_revisions_notify_change"`,
    );
    await q.query(
      `ALTER TRIGGER "feed_channel_revisions_notify_truncate" ON "post_plan_revisions" RENAME TO "post_plan_revisions_notify_truncate"`,
    );
    for (const op of ['insert', 'update', 'delete', 'truncate']) {
      await q.query(`ALTER TRIGGER "posts_feed_revision_${op}" ON "posts" RENAME TO "posts_plan_revision_${op}"`);
    }
    await q.query(`ALTER FUNCTION "feed_note_post_changes"() RENAME TO "post_plan_note_changes"`);
    await q.query(`ALTER FUNCTION "feed_note_posts_truncated"() RENAME TO "post_plan_note_truncate"`);
    await q.query(changesFunction('post_plan_note_changes', 'post_plan_revisions'));
    await q.query(truncateFunction('post_plan_note_truncate', 'post_plan_revisions'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(truncateFunction('post_plan_note_truncate', 'feed_channel_revisions'));
    await q.query(changesFunction('post_plan_note_changes', 'feed_channel_revisions'));
    await q.query(`ALTER FUNCTION "post_plan_note_truncate"() RENAME TO "feed_note_posts_truncated"`);
    await q.query(`ALTER FUNCTION "post_plan_note_changes"() RENAME TO "feed_note_post_changes"`);
    for (const op of ['insert', 'update', 'delete', 'truncate']) {
      await q.query(`ALTER TRIGGER "posts_plan_revision_${op}" ON "posts" RENAME TO "posts_feed_revision_${op}"`);
    }
    await q.query(
      `ALTER TRIGGER "post_plan_revisions_notify_truncate" ON "post_plan_revisions" RENAME TO "feed_channel_revisions_notify_truncate"`,
    );
    await q.query(
      `ALTER TRIGGER "post_plan_revisions_notify_change" ON "post_plan_revisions" RENAME TO "feed_channel_revisions_notify_change"`,
    );
    await q.query(
      `ALTER TABLE "post_plan_revisions" RENAME CONSTRAINT "PK_11253fed678b7a6fafb583b3dcd" TO "PK_d4220948e7efcf68925024f3143"`,
    );
    await q.query(`ALTER TABLE "post_plan_revisions" RENAME TO "feed_channel_revisions"`);
  }
}

/**
 * The statement-level trigger function on posts (the body of migration Feeds' function, on
 * `table`): one upsert per channel per statement, in channel_id order, so two statements
 * touching the same channels lock their revision rows in the same order.
 */
function changesFunction(name: string, table: string): string {
  return `CREATE OR REPLACE FUNCTION "${name}"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO "${table}" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (SELECT DISTINCT "channel_id" FROM new_rows) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO "${table}" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (SELECT DISTINCT "channel_id" FROM old_rows) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        ELSE
          INSERT INTO "${table}" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (SELECT "channel_id" FROM new_rows UNION SELECT "channel_id" FROM old_rows) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        END IF;
        RETURN NULL;
      END $$`;
}

/** After a TRUNCATE of posts (migration ChangeNotifications' function, on `table`): every revision moves. */
function truncateFunction(name: string, table: string): string {
  return `CREATE OR REPLACE FUNCTION "${name}"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE "${table}" SET "revision" = "revision" + 1, "changed_at" = clock_timestamp();
        RETURN NULL;
      END $$`;
}
