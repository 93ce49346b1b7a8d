import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two small tables that make every instance agree on what one request already did:
 * - `throttle_counters`: sliding-window counts of wrong api keys and feed tokens per client
 *   address (src/throttle/). UNLOGGED: a counter is not worth a WAL write per refused
 *   request, and a crash that empties the table only forgives the addresses it counted.
 * - `idempotency_keys`: the answer of a create sent with an `Idempotency-Key`, per caller,
 *   for 24 hours (src/idempotency/); the answer is encrypted.
 */
export class ThrottlingIdempotency1795400100000 implements MigrationInterface {
  name = 'ThrottlingIdempotency1795400100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE UNLOGGED TABLE "throttle_counters" ("key" text NOT NULL, "window_start" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "hits" integer NOT NULL, "previous_hits" integer NOT NULL DEFAULT '0', "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_0d6e00f6811746d8c018db8d58d" PRIMARY KEY ("key"))`,
    );
    await q.query(`CREATE INDEX "throttle_counters_expires_at" ON "throttle_counters" ("expires_at")`);
    await q.query(
      `CREATE TABLE "idempotency_keys" ("scope" text NOT NULL, "key" text NOT NULL, "fingerprint" text NOT NULL, "response" text, "locked_until" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_15de2f76fa9f27ad8f330983607" PRIMARY KEY ("scope", "key"))`,
    );
    await q.query(`CREATE INDEX "idempotency_keys_expires_at" ON "idempotency_keys" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "public"."idempotency_keys_expires_at"`);
    await q.query(`DROP TABLE "idempotency_keys"`);
    await q.query(`DROP INDEX "public"."throttle_counters_expires_at"`);
    await q.query(`DROP TABLE "throttle_counters"`);
  }
}
