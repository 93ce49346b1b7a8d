import { Client } from 'pg';
import { MastodonFake } from '../fakes/mastodon.fake';
import { createChannel, seedWorkspace } from '../support/fixtures';
import { createTestDatabase } from '../support/test-database';
import { createPublishingApp } from '../publishing/publishing-app';
import { type Instance, startInstance, until } from '../multiprocess/instances';

// Issue 12, acceptance 4: two real processes with the default lease (12 s, renewed every
// 4 s). A post is in the middle of a platform call that takes longer than the lease (the
// stand-in holds its answer; the adapters' per-request timeout is raised to 60 s, as a
// large upload needs): the other instance never takes it while its instance lives. Then
// the instance is SIGKILLed; the survivor takes the post over within 15 s and it is
// published once (the retry carries the same Idempotency-Key).
const TOKEN = 'mastodon-token-0123456789';
const LEASE_MS = 12_000;
const STATUSES = '/api/v1/statuses';

describe('takeover after SIGKILL with the lease heartbeat', () => {
  jest.setTimeout(240_000);

  it('a post in a long call on a killed instance is taken over within 15 s and published once', async () => {
    const database = await createTestDatabase();
    const mastodon = new MastodonFake({ accessToken: TOKEN });
    await mastodon.start();
    const instances: Instance[] = [];
    const db = new Client({ connectionString: database.url });
    const release = mastodon.holdNext(STATUSES);
    try {
      const setup = await createPublishingApp({ databaseUrl: database.url });
      await setup.dispatcher.stop();
      const { lead } = await seedWorkspace(setup);
      const channel = await createChannel(setup, lead, {
        platform: 'mastodon',
        approvalRequired: false,
        credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
      });
      await setup.app.close();

      // Instance a alone, so that it is the one to claim the post.
      instances.push(await startInstance(database.url, 'instance a', {}, 60_000));
      await db.connect();
      const {
        rows: [post],
      } = await db.query<{ id: string }>(
        `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at)
         VALUES ($1, $2, 'scheduled', 'A post with a slow upload', 'informative', clock_timestamp()) RETURNING id`,
        [lead.workspaceId, channel.id],
      );
      const statusRequests = () => mastodon.requests.filter((r) => r.method === 'POST' && r.path === STATUSES).length;
      await until('instance a calling the platform', () => statusRequests() === 1, 30_000);
      const callStarted = Date.now();
      instances.push(await startInstance(database.url, 'instance b', {}, 60_000));

      // The call outlives the lease by half of it: a's heartbeat keeps the post, b looks every second.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, callStarted + LEASE_MS * 1.5 - Date.now())));
      const during = await db.query(
        `SELECT status, attempts, lease_until > clock_timestamp() AS leased FROM posts WHERE id = $1`,
        [post.id],
      );
      expect(during.rows[0]).toEqual({ status: 'publishing', attempts: 1, leased: true });
      expect(statusRequests()).toBe(1);

      instances[0].child.kill('SIGKILL');
      const killedAt = Date.now();
      expect((await instances[0].exited).signal).toBe('SIGKILL');
      await until(
        'the post published by instance b',
        async () =>
          (await db.query(`SELECT status FROM posts WHERE id = $1`, [post.id])).rows[0].status === 'published',
        60_000,
      );
      const takeoverMs = Date.now() - killedAt;
      console.log(
        `takeover: the call had run ${killedAt - callStarted} ms on a ${LEASE_MS} ms lease; published by the survivor ${takeoverMs} ms after the SIGKILL`,
      );
      expect(takeoverMs).toBeLessThanOrEqual(15_000);

      const { rows } = await db.query(`SELECT status, attempts, external_id FROM posts WHERE id = $1`, [post.id]);
      expect(rows[0]).toMatchObject({ status: 'published', attempts: 2 });
      expect(mastodon.statuses).toHaveLength(1);
      expect(rows[0].external_id).toBe(mastodon.statuses[0].id);
      expect(instances[1].output.join('')).not.toMatch(/ERROR/);
    } finally {
      release();
      for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
      await Promise.all(instances.map((i) => i.exited));
      await db.end().catch(() => undefined);
      await mastodon.stop();
      await database.drop();
    }
  });
});
