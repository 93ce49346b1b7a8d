import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, the leads' inbox. `alerts.announced_occurrence`: the occurrence of a planned gap
 * (planned_gap, under_cadence) whose deliveries were queued, after it persisted for
 * ALERT_SETTLE_MS; an open planned gap whose occurrence differs is still settling. Existing
 * alerts had their deliveries queued when they opened, so they count as announced.
 * `digest_deliveries`: the weekly digest's outbox, one row per workspace, week (the local
 * date of its Monday) and destination, claimed like alert_deliveries. Both are read and
 * written by SQL in src/alerts/ only.
 */
export class AlertSettlingDigest1795400900000 implements MigrationInterface {
  name = 'AlertSettlingDigest1795400900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "alerts" ADD "announced_occurrence" integer`);
    await q.query(`UPDATE "alerts" SET "announced_occurrence" = "occurrence"`);
    await q.query(
      `CREATE TABLE "digest_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE, "week_start" date NOT NULL, "destination" text NOT NULL, "state" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT 0, "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "claim_id" uuid, "claimed_until" TIMESTAMP(3) WITH TIME ZONE, "delivered_at" TIMESTAMP(3) WITH TIME ZONE, "last_error" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "digest_deliveries_pkey" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "digest_deliveries_once" ON "digest_deliveries" ("workspace_id", "week_start", "destination")`,
    );
    await q.query(
      `CREATE INDEX "digest_deliveries_due" ON "digest_deliveries" ("next_attempt_at") WHERE state = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "digest_deliveries"`);
    await q.query(`ALTER TABLE "alerts" DROP COLUMN "announced_occurrence"`);
  }
}
