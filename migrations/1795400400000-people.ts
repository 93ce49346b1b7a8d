import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People sign in (issue 14): accounts (`users`), their browser sessions, their emailed
 * links (verification, password reset), personal access tokens, invitations; members gain
 * the account they belong to, audit events the account that acted.
 *
 * Every existing member becomes (or joins, by email) an account without a password, so
 * each member's api key keeps working and its owner can set a password by a reset.
 * Change notifications: a session deleted (sign-out, its user deleted) speaks on
 * `palinsesto_sessions`; a token revoked or deleted speaks on `palinsesto_members` with its
 * member's id, so the caches of key holders (by member) drop it on every instance.
 */
export class People1795400400000 implements MigrationInterface {
  name = 'People1795400400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" text NOT NULL, "name" text NOT NULL, "password_hash" text, "email_verified_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "users_email_lower" CHECK ("email" = lower("email")), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "users_email" ON "users" ("email")`);
    await q.query(
      `CREATE TABLE "sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "token_hash" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "sessions_user" ON "sessions" ("user_id")`);
    await q.query(`CREATE UNIQUE INDEX "sessions_token_hash" ON "sessions" ("token_hash")`);
    await q.query(
      `CREATE TABLE "user_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "purpose" text NOT NULL, "token_hash" text NOT NULL, "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_63764db9d9aaa4af33e07b2f4bf" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "user_tokens_user" ON "user_tokens" ("user_id")`);
    await q.query(`CREATE UNIQUE INDEX "user_tokens_token_hash" ON "user_tokens" ("token_hash")`);
    await q.query(
      `CREATE TABLE "api_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "member_id" uuid NOT NULL, "name" text NOT NULL, "token_hash" text NOT NULL, "read_only" boolean NOT NULL DEFAULT false, "last_used_at" TIMESTAMP(3) WITH TIME ZONE, "revoked_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_c587455266b5fa8dace7194caac" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "api_tokens_member" ON "api_tokens" ("member_id")`);
    await q.query(`CREATE UNIQUE INDEX "api_tokens_token_hash" ON "api_tokens" ("token_hash")`);
    await q.query(
      `CREATE TABLE "invitations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "email" text NOT NULL, "role" text NOT NULL, "token_hash" text NOT NULL, "invited_by" uuid, "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "accepted_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_5dec98cfdfd562e4ad3648bbb07" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "invitations_workspace" ON "invitations" ("workspace_id")`);
    await q.query(`CREATE UNIQUE INDEX "invitations_token_hash" ON "invitations" ("token_hash")`);
    await q.query(`ALTER TABLE "audit_events" ADD "actor_user_id" uuid`);
    await q.query(`ALTER TABLE "members" ADD "user_id" uuid`);
    await q.query(`DROP INDEX "public"."audit_events_workspace_at"`);
    await q.query(`ALTER TABLE "audit_events" ALTER COLUMN "workspace_id" DROP NOT NULL`);
    await q.query(`ALTER TABLE "audit_events" ALTER COLUMN "entity_id" DROP NOT NULL`);
    await q.query(`ALTER TABLE "members" ALTER COLUMN "api_key_hash" DROP NOT NULL`);
    await q.query(`CREATE INDEX "audit_events_workspace_at" ON "audit_events" ("workspace_id", "at")`);
    await q.query(`CREATE INDEX "members_user" ON "members" ("user_id")`);
    await q.query(
      `ALTER TABLE "sessions" ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "user_tokens" ADD CONSTRAINT "FK_9e144a67be49e5bba91195ef5de" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "members" ADD CONSTRAINT "FK_da404b5fd9c390e25338996e2d1" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "api_tokens" ADD CONSTRAINT "FK_bb2ac5a8027831a22eee069adfe" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "invitations" ADD CONSTRAINT "FK_37d2c3ed527014368be5302bdec" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Existing members: one account per email (its earliest member's name), linked.
    await q.query(
      `INSERT INTO "users" ("email", "name", "created_at")
       SELECT DISTINCT ON (lower("email")) lower("email"), "name", "created_at" FROM "members" ORDER BY lower("email"), "created_at"`,
    );
    await q.query(`UPDATE "members" SET "user_id" = u."id" FROM "users" u WHERE u."email" = lower("members"."email")`);
    await q.query(
      `CREATE TRIGGER "sessions_notify_change" AFTER DELETE ON "sessions" FOR EACH ROW EXECUTE FUNCTION "notify_row_change"('palinsesto_sessions', 'id')`,
    );
    await q.query(
      `CREATE TRIGGER "sessions_notify_truncate" AFTER TRUNCATE ON "sessions" FOR EACH STATEMENT EXECUTE FUNCTION "notify_table_truncated"('palinsesto_sessions')`,
    );
    // Not on last_used_at: that moves once a minute and changes nothing a cache keeps.
    await q.query(
      `CREATE TRIGGER "api_tokens_notify_change" AFTER UPDATE OF "revoked_at", "read_only", "member_id" OR DELETE ON "api_tokens" FOR EACH ROW EXECUTE FUNCTION "notify_row_change"('palinsesto_members', 'member_id')`,
    );
    await q.query(
      `CREATE TRIGGER "api_tokens_notify_truncate" AFTER TRUNCATE ON "api_tokens" FOR EACH STATEMENT EXECUTE FUNCTION "notify_table_truncated"('palinsesto_members')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER "api_tokens_notify_truncate" ON "api_tokens"`);
    await q.query(`DROP TRIGGER "api_tokens_notify_change" ON "api_tokens"`);
    await q.query(`DROP TRIGGER "sessions_notify_truncate" ON "sessions"`);
    await q.query(`DROP TRIGGER "sessions_notify_change" ON "sessions"`);
    await q.query(`DELETE FROM "audit_events" WHERE "workspace_id" IS NULL OR "entity_id" IS NULL`);
    await q.query(`UPDATE "members" SET "api_key_hash" = 'revoked:' || "id" WHERE "api_key_hash" IS NULL`);
    await q.query(`ALTER TABLE "invitations" DROP CONSTRAINT "FK_37d2c3ed527014368be5302bdec"`);
    await q.query(`ALTER TABLE "api_tokens" DROP CONSTRAINT "FK_bb2ac5a8027831a22eee069adfe"`);
    await q.query(`ALTER TABLE "members" DROP CONSTRAINT "FK_da404b5fd9c390e25338996e2d1"`);
    await q.query(`ALTER TABLE "user_tokens" DROP CONSTRAINT "FK_9e144a67be49e5bba91195ef5de"`);
    await q.query(`ALTER TABLE "sessions" DROP CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19"`);
    await q.query(`DROP INDEX "public"."members_user"`);
    await q.query(`DROP INDEX "public"."audit_events_workspace_at"`);
    await q.query(`ALTER TABLE "members" ALTER COLUMN "api_key_hash" SET NOT NULL`);
    await q.query(`ALTER TABLE "audit_events" ALTER COLUMN "entity_id" SET NOT NULL`);
    await q.query(`ALTER TABLE "audit_events" ALTER COLUMN "workspace_id" SET NOT NULL`);
    await q.query(`CREATE INDEX "audit_events_workspace_at" ON "audit_events" USING btree ("at", "workspace_id")`);
    await q.query(`ALTER TABLE "members" DROP COLUMN "user_id"`);
    await q.query(`ALTER TABLE "audit_events" DROP COLUMN "actor_user_id"`);
    await q.query(`DROP INDEX "public"."invitations_token_hash"`);
    await q.query(`DROP INDEX "public"."invitations_workspace"`);
    await q.query(`DROP TABLE "invitations"`);
    await q.query(`DROP INDEX "public"."api_tokens_token_hash"`);
    await q.query(`DROP INDEX "public"."api_tokens_member"`);
    await q.query(`DROP TABLE "api_tokens"`);
    await q.query(`DROP INDEX "public"."user_tokens_token_hash"`);
    await q.query(`DROP INDEX "public"."user_tokens_user"`);
    await q.query(`DROP TABLE "user_tokens"`);
    await q.query(`DROP INDEX "public"."sessions_token_hash"`);
    await q.query(`DROP INDEX "public"."sessions_user"`);
    await q.query(`DROP TABLE "sessions"`);
    await q.query(`DROP INDEX "public"."users_email"`);
    await q.query(`DROP TABLE "users"`);
  }
}
