import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Metrics collection (issue 15): the counts fetched from each published post's platform, as a
 * time series per post (`post_metric_snapshots`), and each post's collection schedule
 * (`post_metric_collections`: the next step of METRICS_STEPS, when it is due, its lease and
 * fencing token while a collector works on it, and its state: collecting, done, deleted on
 * the platform, or given up). A snapshot taken by the collector names its step, and
 * (post_id, step) is unique: each step gives exactly one snapshot whichever instance takes
 * it. Snapshots recorded otherwise (the webhook platform's signed endpoint) have no step.
 * Both are read and written by SQL in src/metrics/metrics.repository.ts only; both go with
 * their post.
 */
export class PostMetrics1795400600000 implements MigrationInterface {
  name = 'PostMetrics1795400600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "post_metric_snapshots" ("id" bigint GENERATED ALWAYS AS IDENTITY, "post_id" uuid NOT NULL REFERENCES "posts"("id") ON DELETE CASCADE, "step" integer, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "likes" integer, "reposts" integer, "replies" integer, "quotes" integer, "clicks" integer, "source" text NOT NULL, CONSTRAINT "post_metric_snapshots_pkey" PRIMARY KEY ("id"))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "post_metric_snapshots_step" ON "post_metric_snapshots" ("post_id", "step") WHERE "step" IS NOT NULL`,
    );
    await q.query(`CREATE INDEX "post_metric_snapshots_series" ON "post_metric_snapshots" ("post_id", "at", "id")`);
    await q.query(
      `CREATE TABLE "post_metric_collections" ("post_id" uuid NOT NULL REFERENCES "posts"("id") ON DELETE CASCADE, "channel_id" uuid NOT NULL, "platform" text NOT NULL, "external_id" text NOT NULL, "published_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "step" integer NOT NULL DEFAULT 0, "due_at" TIMESTAMP(3) WITH TIME ZONE, "state" text NOT NULL, "failures" integer NOT NULL DEFAULT 0, "lease_until" TIMESTAMP(3) WITH TIME ZONE, "attempt_id" uuid, "last_error" text, "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "post_metric_collections_pkey" PRIMARY KEY ("post_id"))`,
    );
    await q.query(
      `CREATE INDEX "post_metric_collections_due" ON "post_metric_collections" ("due_at") WHERE "state" = 'collecting'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "post_metric_collections"`);
    await q.query(`DROP TABLE "post_metric_snapshots"`);
  }
}
