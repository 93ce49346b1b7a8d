import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `post_media_uploads`: the platform media ids (Mastodon) and blob refs (Bluesky) uploaded
 * for a post, one row per (post, media file, platform), so that a retry of the publication
 * reuses them instead of uploading again (src/publishing/media-uploads.repository.ts).
 * Rows go with their post.
 */
export class PostMediaUploads1795400300000 implements MigrationInterface {
  name = 'PostMediaUploads1795400300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "post_media_uploads" ("post_id" uuid NOT NULL, "media_id" text NOT NULL, "platform" text NOT NULL, "platform_media_id" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_d267940cc192d8eadf5f2beef45" PRIMARY KEY ("post_id", "media_id", "platform"))`,
    );
    await q.query(
      `ALTER TABLE "post_media_uploads" ADD CONSTRAINT "FK_0c44b0b33903de1d077504256e7" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "post_media_uploads" DROP CONSTRAINT "FK_0c44b0b33903de1d077504256e7"`);
    await q.query(`DROP TABLE "post_media_uploads"`);
  }
}
