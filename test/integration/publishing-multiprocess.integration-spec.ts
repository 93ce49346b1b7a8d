import { Client } from 'pg';
import { MastodonFake } from '../fakes/mastodon.fake';
import { createChannel, seedWorkspace } from '../support/fixtures';
import { createTestDatabase } from '../support/test-database';
import { createPublishingApp } from '../publishing/publishing-app';
import { type Instance, startInstance, until } from '../multiprocess/instances';

// Acceptance 2: three real processes on one PostgreSQL database, 1,000 posts falling due
// over two seconds, one instance killed with SIGKILL mid-publishing and another stopped
// with SIGTERM: every post ends published, and the Mastodon stand-in holds exactly 1,000.
const POSTS = 1000;
const TOKEN = 'mastodon-token-0123456789';
const LEASE_MS = 3_000;

describe('publishing with three processes on one database', () => {
  jest.setTimeout(180_000);

  it('publishes 1,000 posts exactly once while one instance is SIGKILLed and one SIGTERMed', async () => {
    const database = await createTestDatabase();
    const mastodon = new MastodonFake({ accessToken: TOKEN, latencyMs: 30 });
    await mastodon.start();
    const instances: Instance[] = [];
    const db = new Client({ connectionString: database.url });
    try {
      // The workspace and channel through the API (credentials encrypted with the shared key).
      const setup = await createPublishingApp({ databaseUrl: database.url });
      await setup.dispatcher.stop();
      const { lead } = await seedWorkspace(setup);
      const channel = await createChannel(setup, lead, {
        platform: 'mastodon',
        approvalRequired: false,
        credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
      });
      await setup.app.close();

      const t0 = Date.now();
      // The first start fills the transpile cache; the other two then start in seconds.
      instances.push(await startInstance(database.url, 'instance a', { leaseMs: LEASE_MS, concurrency: 20 }));
      const started = await Promise.allSettled(
        ['b', 'c'].map((n) => startInstance(database.url, `instance ${n}`, { leaseMs: LEASE_MS, concurrency: 20 })),
      );
      for (const s of started) if (s.status === 'fulfilled') instances.push(s.value);
      const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;

      const tReady = Date.now();
      await db.connect();
      await db.query(
        `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at)
         SELECT $1, $2, 'scheduled', 'Post number ' || g, 'informative',
                clock_timestamp() + interval '300 milliseconds' + g * interval '2 milliseconds'
         FROM generate_series(1, $3::int) AS g`,
        [lead.workspaceId, channel.id, POSTS],
      );

      await until('300 statuses', () => mastodon.statuses.length >= 300, 60_000);
      const { rows: inFlight } = await db.query(`SELECT count(*)::int AS n FROM posts WHERE status = 'publishing'`);
      instances[0].child.kill('SIGKILL');
      expect((await instances[0].exited).signal).toBe('SIGKILL');

      await until('600 statuses', () => mastodon.statuses.length >= 600, 60_000);
      instances[1].child.kill('SIGTERM');
      expect((await instances[1].exited).code).toBe(0);

      await until(
        'every post published',
        async () =>
          (await db.query(`SELECT count(*)::int AS n FROM posts WHERE status = 'published'`)).rows[0].n === POSTS,
        60_000,
      );

      const tDone = Date.now();
      const { rows } = await db.query(`SELECT id, status, external_id, attempts FROM posts WHERE channel_id = $1`, [
        channel.id,
      ]);
      expect(rows).toHaveLength(POSTS);
      expect(rows.every((r) => r.status === 'published')).toBe(true);
      // The stand-in holds exactly one status per post, and each post records its own.
      expect(mastodon.statuses).toHaveLength(POSTS);
      const byKey = new Map(mastodon.statuses.map((s) => [s.idempotencyKey, s.id]));
      expect(byKey.size).toBe(POSTS);
      for (const r of rows) expect(r.external_id).toBe(byKey.get(r.id));
      const retried = rows.filter((r) => r.attempts > 1).length;
      // Posts the killed instance held were taken over once its leases expired.
      console.log(
        `multi-process: start ${tReady - t0} ms, publish ${tDone - tReady} ms; ${inFlight[0].n} posts publishing at the kill; ${retried} published on a later attempt`,
      );
      expect(retried).toBeGreaterThan(0);
      // Survivor's log has no errors.
      expect(instances[2].output.join('')).not.toMatch(/ERROR/);
    } finally {
      for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
      await Promise.all(instances.map((i) => i.exited));
      await db.end().catch(() => undefined);
      await mastodon.stop();
      await database.drop();
    }
  });
});
