import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Publishing: the dispatcher's lease and fencing columns on posts, the indexes its claim
 * uses, and per-channel lateness limit and UTM settings.
 */
export class Publishing1795399340830 implements MigrationInterface {
  name = 'Publishing1795399340830';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "posts" ADD "attempt_id" uuid`);
    await q.query(`ALTER TABLE "posts" ADD "lease_until" TIMESTAMP(3) WITH TIME ZONE`);
    await q.query(`ALTER TABLE "posts" ADD "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE`);
    await q.query(`ALTER TABLE "posts" ADD "failure_reason" text`);
    await q.query(`ALTER TABLE "channels" ADD "lateness_limit_minutes" integer NOT NULL DEFAULT '360'`);
    await q.query(`ALTER TABLE "channels" ADD "utm" jsonb`);
    await q.query(`CREATE INDEX "posts_dispatch_due" ON "posts" ("scheduled_at") WHERE status = 'scheduled'`);
    await q.query(`CREATE INDEX "posts_dispatch_lease" ON "posts" ("lease_until") WHERE status = 'publishing'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."posts_dispatch_lease"`);
    await q.query(`DROP INDEX "public"."posts_dispatch_due"`);
    await q.query(`ALTER TABLE "channels" DROP COLUMN "utm"`);
    await q.query(`ALTER TABLE "channels" DROP COLUMN "lateness_limit_minutes"`);
    await q.query(`ALTER TABLE "posts" DROP COLUMN "failure_reason"`);
    await q.query(`ALTER TABLE "posts" DROP COLUMN "next_attempt_at"`);
    await q.query(`ALTER TABLE "posts" DROP COLUMN "lease_until"`);
    await q.query(`ALTER TABLE "posts" DROP COLUMN "attempt_id"`);
  }
}
