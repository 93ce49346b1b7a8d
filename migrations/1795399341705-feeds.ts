import { MigrationInterface, QueryRunner } from 'typeorm';

export class Feeds1795399341705 implements MigrationInterface {
  name = 'Feeds1795399341705';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "feeds" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "name" text NOT NULL, "channel_ids" uuid array, "include_drafts" boolean NOT NULL DEFAULT false, "include_gaps" boolean NOT NULL DEFAULT false, "window_past_days" integer NOT NULL DEFAULT '60', "window_future_days" integer NOT NULL DEFAULT '365', "token_hash" text NOT NULL, "token_rotated_at" TIMESTAMP(3) WITH TIME ZONE, "created_by" uuid, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_3dafbf766ecbb1eb2017732153f" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "feeds_token_hash" ON "feeds" ("token_hash")`);
    await q.query(`CREATE INDEX "feeds_workspace_created_at" ON "feeds" ("workspace_id", "created_at")`);
    await q.query(
      `CREATE TABLE "feed_channel_revisions" ("channel_id" uuid NOT NULL, "revision" bigint NOT NULL DEFAULT '0', "changed_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d4220948e7efcf68925024f3143" PRIMARY KEY ("channel_id"))`,
    );
    await q.query(
      `ALTER TABLE "feeds" ADD CONSTRAINT "FK_ba7c594a823f88b212a2fe3d110" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Every write to posts bumps its channel's revision (statement-level: one row per
    // channel per statement, so a bulk INSERT ... SELECT costs one upsert per channel).
    // Feeds compare revisions to answer 304 without reading posts. Not managed by TypeORM.
    // Rows are upserted in channel_id order, so two statements touching the same channels
    // lock their revision rows in the same order and cannot deadlock.
    await q.query(`CREATE FUNCTION "feed_note_post_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO "feed_channel_revisions" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (SELECT DISTINCT "channel_id" FROM new_rows) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO "feed_channel_revisions" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (SELECT DISTINCT "channel_id" FROM old_rows) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        ELSE
          INSERT INTO "feed_channel_revisions" AS r ("channel_id", "revision", "changed_at")
            SELECT "channel_id", 1, clock_timestamp() FROM (SELECT "channel_id" FROM new_rows UNION SELECT "channel_id" FROM old_rows) c ORDER BY "channel_id"
            ON CONFLICT ("channel_id") DO UPDATE SET "revision" = r."revision" + 1, "changed_at" = clock_timestamp();
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER "posts_feed_revision_insert" AFTER INSERT ON "posts" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "feed_note_post_changes"()`,
    );
    await q.query(
      `CREATE TRIGGER "posts_feed_revision_update" AFTER UPDATE ON "posts" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "feed_note_post_changes"()`,
    );
    await q.query(
      `CREATE TRIGGER "posts_feed_revision_delete" AFTER DELETE ON "posts" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "feed_note_post_changes"()`,
    );
    await q.query(
      `INSERT INTO "feed_channel_revisions" ("channel_id", "revision") SELECT DISTINCT "channel_id", 1 FROM "posts"`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "posts_feed_revision_delete" ON "posts"`);
    await q.query(`DROP TRIGGER "posts_feed_revision_update" ON "posts"`);
    await q.query(`DROP TRIGGER "posts_feed_revision_insert" ON "posts"`);
    await q.query(`DROP FUNCTION "feed_note_post_changes"()`);
    await q.query(`ALTER TABLE "feeds" DROP CONSTRAINT "FK_ba7c594a823f88b212a2fe3d110"`);
    await q.query(`DROP TABLE "feed_channel_revisions"`);
    await q.query(`DROP INDEX "public"."feeds_workspace_created_at"`);
    await q.query(`DROP INDEX "public"."feeds_token_hash"`);
    await q.query(`DROP TABLE "feeds"`);
  }
}
