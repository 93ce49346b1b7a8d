import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The media library (src/media/): one row per stored file, written only once the file is
 * stored whole; the same upload twice in a workspace is one row (unique sha256). Channels
 * get `require_alt_text` (default on). Posts get a GIN index on `media` so that "which posts
 * use this media item" (`media @> '[{"id": ...}]'`) is an index lookup, not a scan.
 */
export class Media1795400200000 implements MigrationInterface {
  name = 'Media1795400200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "media" ("id" uuid NOT NULL, "workspace_id" uuid NOT NULL, "kind" text NOT NULL, "mime_type" text NOT NULL, "bytes" bigint NOT NULL, "width" integer, "height" integer, "duration_ms" integer, "codec" text, "alt" text NOT NULL DEFAULT '', "focus_x" real NOT NULL DEFAULT '0', "focus_y" real NOT NULL DEFAULT '0', "sha256" text NOT NULL, "storage_key" text NOT NULL, "thumbnail_key" text, "created_by" uuid, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_f4e0fcac36e050de337b670d8bd" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE INDEX "media_created" ON "media" ("created_at")`);
    await q.query(`CREATE INDEX "media_workspace_created" ON "media" ("workspace_id", "created_at", "id")`);
    await q.query(`CREATE UNIQUE INDEX "media_workspace_sha256" ON "media" ("workspace_id", "sha256")`);
    await q.query(`ALTER TABLE "channels" ADD "require_alt_text" boolean NOT NULL DEFAULT true`);
    await q.query(`CREATE INDEX "posts_media_ids" ON "posts" USING gin ("media" jsonb_path_ops)`);
    await q.query(
      `ALTER TABLE "media" ADD CONSTRAINT "FK_d150bb6186f15fdb8f1f84f5cdb" FOREIGN KEY ("workspace_id") REFERENCES "workspaces"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "media" DROP CONSTRAINT "FK_d150bb6186f15fdb8f1f84f5cdb"`);
    await q.query(`DROP INDEX "public"."posts_media_ids"`);
    await q.query(`ALTER TABLE "channels" DROP COLUMN "require_alt_text"`);
    await q.query(`DROP INDEX "public"."media_workspace_sha256"`);
    await q.query(`DROP INDEX "public"."media_workspace_created"`);
    await q.query(`DROP INDEX "public"."media_created"`);
    await q.query(`DROP TABLE "media"`);
  }
}
