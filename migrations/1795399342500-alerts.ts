import { MigrationInterface, QueryRunner } from 'typeorm';

/** Alerts: gaps and failed publications per channel, their delivery outbox, per-workspace settings. */
export class Alerts1795399342500 implements MigrationInterface {
  name = 'Alerts1795399342500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "alerts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "kind" text NOT NULL, "starts_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "ends_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "post_id" uuid, "message" text NOT NULL, "details" jsonb NOT NULL DEFAULT '{}', "occurrence" integer NOT NULL DEFAULT '1', "opened_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "resolved_at" TIMESTAMP(3) WITH TIME ZONE, "resolution" text, CONSTRAINT "PK_60f895662df096bfcdfab7f4b96" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "alerts_open_by_channel" ON "alerts" ("channel_id") WHERE resolved_at IS NULL`);
    await q.query(`CREATE INDEX "alerts_workspace_opened_at" ON "alerts" ("workspace_id", "opened_at", "id")`);
    await q.query(
      `CREATE UNIQUE INDEX "alerts_natural_key" ON "alerts" ("workspace_id", "channel_id", "kind", "starts_at")`,
    );
    await q.query(
      `CREATE TABLE "alert_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "alert_id" uuid NOT NULL, "destination" text NOT NULL, "event" text NOT NULL, "occurrence" integer NOT NULL, "state" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "claim_id" uuid, "claimed_until" TIMESTAMP(3) WITH TIME ZONE, "delivered_at" TIMESTAMP(3) WITH TIME ZONE, "last_error" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_b3d51c95891264fb62df41582ad" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE INDEX "alert_deliveries_due" ON "alert_deliveries" ("next_attempt_at") WHERE state = 'pending'`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "alert_deliveries_once" ON "alert_deliveries" ("alert_id", "destination", "event", "occurrence")`,
    );
    await q.query(
      `CREATE TABLE "alert_settings" ("workspace_id" uuid NOT NULL, "lookahead_days" integer NOT NULL DEFAULT '14', "emails" jsonb, "webhooks" jsonb NOT NULL DEFAULT '[]', "mutes" jsonb NOT NULL DEFAULT '{}', "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_80f8a4da085c468a4841e5a04d2" PRIMARY KEY ("workspace_id"))`,
    );
    await q.query(
      `ALTER TABLE "alerts" ADD CONSTRAINT "FK_b6871a5b12cb6635e84a8b6d88a" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "alerts" ADD CONSTRAINT "FK_b05d7e4ce5ed73c1f035ba082ed" FOREIGN KEY ("channel_id") REFERENCES "channels"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "alert_deliveries" ADD CONSTRAINT "FK_a108eeb75805549672c45e4a5a9" FOREIGN KEY ("alert_id") REFERENCES "alerts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "alert_settings" ADD CONSTRAINT "FK_80f8a4da085c468a4841e5a04d2" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "alert_settings" DROP CONSTRAINT "FK_80f8a4da085c468a4841e5a04d2"`);
    await q.query(`ALTER TABLE "alert_deliveries" DROP CONSTRAINT "FK_a108eeb75805549672c45e4a5a9"`);
    await q.query(`ALTER TABLE "alerts" DROP CONSTRAINT "FK_b05d7e4ce5ed73c1f035ba082ed"`);
    await q.query(`ALTER TABLE "alerts" DROP CONSTRAINT "FK_b6871a5b12cb6635e84a8b6d88a"`);
    await q.query(`DROP TABLE "alert_settings"`);
    await q.query(`DROP INDEX "public"."alert_deliveries_once"`);
    await q.query(`DROP INDEX "public"."alert_deliveries_due"`);
    await q.query(`DROP TABLE "alert_deliveries"`);
    await q.query(`DROP INDEX "public"."alerts_natural_key"`);
    await q.query(`DROP INDEX "public"."alerts_workspace_opened_at"`);
    await q.query(`DROP INDEX "public"."alerts_open_by_channel"`);
    await q.query(`DROP TABLE "alerts"`);
  }
}
