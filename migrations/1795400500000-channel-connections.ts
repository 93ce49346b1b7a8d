import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Connecting channels (issue 14): the OAuth apps Palinsesto registered on Mastodon instances
 * (one per instance and redirect URI, the client secret encrypted), the connect flows under
 * way (the `state` only as a hash, the PKCE verifier encrypted, ten minutes to live, bound to
 * the user, member and workspace that started it), and each channel's connection health.
 * `job_runs` remembers when the daily connection check last ran (once across instances).
 * The new tables are read and written by SQL in src/connect/connect.repository.ts only.
 */
export class ChannelConnections1795400500000 implements MigrationInterface {
  name = 'ChannelConnections1795400500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE "mastodon_apps" ("instance_url" text NOT NULL, "redirect_uri" text NOT NULL, "client_id" text NOT NULL, "client_secret_ciphertext" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "mastodon_apps_pkey" PRIMARY KEY ("instance_url", "redirect_uri"))`,
    );
    await q.query(
      `CREATE TABLE "connect_flows" ("id" uuid NOT NULL, "state_hash" text NOT NULL, "platform" text NOT NULL, "user_id" uuid, "member_id" uuid NOT NULL REFERENCES "members"("id") ON DELETE CASCADE, "workspace_id" uuid NOT NULL REFERENCES "workspaces"("id") ON DELETE CASCADE, "instance_url" text NOT NULL, "redirect_uri" text NOT NULL, "channel_id" uuid, "verifier_ciphertext" text NOT NULL, "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "connect_flows_pkey" PRIMARY KEY ("id"))`,
    );
    await q.query(`CREATE UNIQUE INDEX "connect_flows_state_hash" ON "connect_flows" ("state_hash")`);
    await q.query(
      `CREATE TABLE "job_runs" ("name" text NOT NULL, "last_run_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "job_runs_pkey" PRIMARY KEY ("name"))`,
    );
    await q.query(`ALTER TABLE "channels" ADD "connection_state" text`);
    await q.query(`ALTER TABLE "channels" ADD "connection_checked_at" TIMESTAMP(3) WITH TIME ZONE`);
    await q.query(`ALTER TABLE "channels" ADD "connection_problem" text`);
    await q.query(`ALTER TABLE "channels" ADD "avatar_url" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "channels" DROP COLUMN "avatar_url"`);
    await q.query(`ALTER TABLE "channels" DROP COLUMN "connection_problem"`);
    await q.query(`ALTER TABLE "channels" DROP COLUMN "connection_checked_at"`);
    await q.query(`ALTER TABLE "channels" DROP COLUMN "connection_state"`);
    await q.query(`DROP TABLE "job_runs"`);
    await q.query(`DROP TABLE "connect_flows"`);
    await q.query(`DROP TABLE "mastodon_apps"`);
  }
}
