import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * First-party click tracking (issue 15): a channel's `track_links` setting, the tracked
 * links of published posts (`tracked_links`: code -> post, channel, workspace, UTM-tagged
 * target, campaign; one code per post and target) and their counted clicks (`link_clicks`:
 * a counter per code and quarter hour, nothing about who clicked). Both tables are read and
 * written by SQL in src/links/links.repository.ts only.
 */
export class TrackedLinks1795400700000 implements MigrationInterface {
  name = 'TrackedLinks1795400700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "tracked_links" ("code" text NOT NULL, "post_id" uuid NOT NULL, "channel_id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "target_url" text NOT NULL, "campaign" text, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8ba2cf9e91c9d5709aef95094c3" PRIMARY KEY ("code"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "tracked_links_post_target" ON "tracked_links" ("post_id", "target_url")`);
    await q.query(
      `CREATE TABLE "link_clicks" ("code" text NOT NULL, "period_start" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "clicks" integer NOT NULL, CONSTRAINT "PK_b86700699434415f4b9451d195b" PRIMARY KEY ("code", "period_start"))`,
    );
    await q.query(`ALTER TABLE "channels" ADD "track_links" boolean NOT NULL DEFAULT false`);
    await q.query(
      `ALTER TABLE "tracked_links" ADD CONSTRAINT "FK_79ed728834974e08990532617e1" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await q.query(
      `ALTER TABLE "link_clicks" ADD CONSTRAINT "FK_25483823f089c5bdcbd837d39a8" FOREIGN KEY ("code") REFERENCES "tracked_links"("code") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "link_clicks" DROP CONSTRAINT "FK_25483823f089c5bdcbd837d39a8"`);
    await q.query(`ALTER TABLE "tracked_links" DROP CONSTRAINT "FK_79ed728834974e08990532617e1"`);
    await q.query(`ALTER TABLE "channels" DROP COLUMN "track_links"`);
    await q.query(`DROP TABLE "link_clicks"`);
    await q.query(`DROP INDEX "public"."tracked_links_post_target"`);
    await q.query(`DROP TABLE "tracked_links"`);
  }
}
