import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795397989777 implements MigrationInterface {
  name = 'Initial1795397989777';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "audit_events" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "actor_member_id" uuid, "action" text NOT NULL, "entity_type" text NOT NULL, "entity_id" uuid NOT NULL, "reason" text, "details" jsonb NOT NULL DEFAULT '{}', "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "audit_events_workspace_at" ON "audit_events" ("workspace_id", "at")`);
    await q.query(
      `CREATE TABLE "workspaces" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "timezone" text NOT NULL, "settings" jsonb NOT NULL DEFAULT '{"maxActiveChannels":3}', "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_098656ae401f3e1a4586f47fd8e" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE TABLE "channels" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "name" text NOT NULL, "platform" text NOT NULL, "handle" text NOT NULL, "timezone" text NOT NULL, "status" text NOT NULL DEFAULT 'active', "purpose" text, "audience" text, "goal" text, "kpis" jsonb NOT NULL DEFAULT '[]', "guidelines" text, "credentials_ciphertext" text, "has_credentials" boolean NOT NULL DEFAULT false, "approval_required" boolean NOT NULL DEFAULT true, "rules" jsonb NOT NULL DEFAULT '{}', "posting_slots" jsonb NOT NULL DEFAULT '[]', "archived_at" TIMESTAMP(3) WITH TIME ZONE, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bc603823f3f741359c2339389f9" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "channels_workspace_status" ON "channels" ("workspace_id", "status")`);
    await q.query(
      `CREATE TABLE "posts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "status" text NOT NULL DEFAULT 'draft', "body" text NOT NULL, "title" text, "link" text, "media" jsonb NOT NULL DEFAULT '[]', "category" text NOT NULL, "scheduled_at" TIMESTAMP(3) WITH TIME ZONE, "sequence" integer NOT NULL DEFAULT '0', "published_at" TIMESTAMP(3) WITH TIME ZONE, "external_id" text, "external_url" text, "last_error" text, "attempts" integer NOT NULL DEFAULT '0', "created_by" uuid, "version" integer NOT NULL DEFAULT '1', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2829ac61eff60fcec60d7274b9e" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "posts_workspace_updated_at" ON "posts" ("workspace_id", "updated_at")`);
    await q.query(`CREATE INDEX "posts_channel_scheduled_at" ON "posts" ("channel_id", "scheduled_at")`);
    await q.query(
      `CREATE TABLE "categories" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "key" text NOT NULL, "name" text NOT NULL, "color" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_24dbc6126a28ff948da33e97d3b" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "categories_workspace_key" ON "categories" ("workspace_id", "key")`);
    await q.query(
      `CREATE TABLE "members" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "name" text NOT NULL, "email" text NOT NULL, "role" text NOT NULL, "api_key_hash" text NOT NULL, "revoked_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_28b53062261b996d9c99fa12404" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "members_api_key_hash" ON "members" ("api_key_hash")`);
    await q.query(
      `CREATE UNIQUE INDEX "members_workspace_email_active" ON "members" ("workspace_id", "email") WHERE revoked_at IS NULL`,
    );
    await q.query(
      `ALTER TABLE "channels" ADD CONSTRAINT "FK_e996fff1751f5c3e8997c7e7d70" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "posts" ADD CONSTRAINT "FK_ac94c0a677f27ef8e2c0343f2e1" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "categories" ADD CONSTRAINT "FK_c4acd4fc657e42e5ccfb71430b2" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "members" ADD CONSTRAINT "FK_c3c299323f3c28b40c2f6479a38" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "members" DROP CONSTRAINT "FK_c3c299323f3c28b40c2f6479a38"`);
    await q.query(`ALTER TABLE "categories" DROP CONSTRAINT "FK_c4acd4fc657e42e5ccfb71430b2"`);
    await q.query(`ALTER TABLE "posts" DROP CONSTRAINT "FK_ac94c0a677f27ef8e2c0343f2e1"`);
    await q.query(`ALTER TABLE "channels" DROP CONSTRAINT "FK_e996fff1751f5c3e8997c7e7d70"`);
    await q.query(`DROP INDEX "public"."members_workspace_email_active"`);
    await q.query(`DROP INDEX "public"."members_api_key_hash"`);
    await q.query(`DROP TABLE "members"`);
    await q.query(`DROP INDEX "public"."categories_workspace_key"`);
    await q.query(`DROP TABLE "categories"`);
    await q.query(`DROP INDEX "public"."posts_channel_scheduled_at"`);
    await q.query(`DROP INDEX "public"."posts_workspace_updated_at"`);
    await q.query(`DROP TABLE "posts"`);
    await q.query(`DROP INDEX "public"."channels_workspace_status"`);
    await q.query(`DROP TABLE "channels"`);
    await q.query(`DROP TABLE "workspaces"`);
    await q.query(`DROP INDEX "public"."audit_events_workspace_at"`);
    await q.query(`DROP TABLE "audit_events"`);
  }
}
