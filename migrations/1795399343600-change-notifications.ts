import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change notifications for per-instance caches (src/database/change-notifications.ts):
 * after a member or a channel row is updated or deleted, and after a channel's plan
 * revision moves (any write to its posts), NOTIFY on the table's channel with the row's id;
 * after a TRUNCATE, with "*" (every row). PostgreSQL sends them when the transaction
 * commits (never for a rollback) and sends one of equal notifications of a transaction, so
 * a statement that writes many posts of a channel notifies once. A TRUNCATE of posts fires
 * none of the row triggers that move plan revisions: it moves them all.
 */
export class ChangeNotifications1795399343600 implements MigrationInterface {
  name = 'ChangeNotifications1795399343600';

  async up(q: QueryRunner): Promise<void> {
    // Arguments: the notification channel, then the column holding the id to send.
    await q.query(`CREATE FUNCTION "notify_row_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(TG_ARGV[0], (CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END) ->> TG_ARGV[1]);
        RETURN NULL;
      END $$`);
    // Argument: the notification channel.
    await q.query(`CREATE FUNCTION "notify_table_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(TG_ARGV[0], '*');
        RETURN NULL;
      END $$`);
    await q.query(`CREATE FUNCTION "feed_note_posts_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE "feed_channel_revisions" SET "revision" = "revision" + 1, "changed_at" = clock_timestamp();
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE TRIGGER "members_notify_change" AFTER UPDATE OR DELETE ON "members" FOR EACH ROW EXECUTE FUNCTION "notify_row_change"('palinsesto_members', 'id')`,
    );
    await q.query(
      `CREATE TRIGGER "members_notify_truncate" AFTER TRUNCATE ON "members" FOR EACH STATEMENT EXECUTE FUNCTION "notify_table_truncated"('palinsesto_members')`,
    );
    await q.query(
      `CREATE TRIGGER "channels_notify_change" AFTER UPDATE OR DELETE ON "channels" FOR EACH ROW EXECUTE FUNCTION "notify_row_change"('palinsesto_channels', 'id')`,
    );
    await q.query(
      `CREATE TRIGGER "channels_notify_truncate" AFTER TRUNCATE ON "channels" FOR EACH STATEMENT EXECUTE FUNCTION "notify_table_truncated"('palinsesto_channels')`,
    );
    await q.query(
      `CREATE TRIGGER "feed_channel_revisions_notify_change" AFTER INSERT OR UPDATE OR DELETE ON "feed_channel_revisions" FOR EACH ROW EXECUTE FUNCTION "notify_row_change"('palinsesto_channels', 'channel_id')`,
    );
    await q.query(
      `CREATE TRIGGER "feed_channel_revisions_notify_truncate" AFTER TRUNCATE ON "feed_channel_revisions" FOR EACH STATEMENT EXECUTE FUNCTION "notify_table_truncated"('palinsesto_channels')`,
    );
    await q.query(
      `CREATE TRIGGER "posts_feed_revision_truncate" AFTER TRUNCATE ON "posts" FOR EACH STATEMENT EXECUTE FUNCTION "feed_note_posts_truncated"()`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "posts_feed_revision_truncate" ON "posts"`);
    await q.query(`DROP TRIGGER "feed_channel_revisions_notify_truncate" ON "feed_channel_revisions"`);
    await q.query(`DROP TRIGGER "feed_channel_revisions_notify_change" ON "feed_channel_revisions"`);
    await q.query(`DROP TRIGGER "channels_notify_truncate" ON "channels"`);
    await q.query(`DROP TRIGGER "channels_notify_change" ON "channels"`);
    await q.query(`DROP TRIGGER "members_notify_truncate" ON "members"`);
    await q.query(`DROP TRIGGER "members_notify_change" ON "members"`);
    await q.query(`DROP FUNCTION "feed_note_posts_truncated"()`);
    await q.query(`DROP FUNCTION "notify_table_truncated"()`);
    await q.query(`DROP FUNCTION "notify_row_change"()`);
  }
}
