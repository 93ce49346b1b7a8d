import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import sharp from 'sharp';
import { MastodonFake } from '../fakes/mastodon.fake';
import { auth, createChannel, seedWorkspace } from '../support/fixtures';
import { createTestDatabase } from '../support/test-database';
import { createPublishingApp } from '../publishing/publishing-app';
import { type Instance, startInstance, until } from '../multiprocess/instances';

// Issue 13, acceptance 6: two real processes sharing the database and MEDIA_DIR. A post with
// four images goes to a Mastodon stand-in whose every media upload takes 5 s: the upload
// outlives the 12 s lease, kept by the heartbeat (the other instance never takes the post
// meanwhile). The instance is SIGKILLed after three uploads were recorded in the ledger; the
// survivor takes the post over, reuses the recorded uploads, uploads the rest, and publishes
// one status with each image attached once, in order, with its alt text.
const TOKEN = 'mastodon-token-0123456789';
const UPLOAD_MS = 5_000;

describe('a slow media upload on an instance that is killed', () => {
  jest.setTimeout(240_000);

  it('is published once by the other instance, each image attached once', async () => {
    const database = await createTestDatabase();
    const mediaDir = await mkdtemp(join(tmpdir(), 'palinsesto-media-'));
    const mastodon = new MastodonFake({ accessToken: TOKEN });
    await mastodon.start();
    const instances: Instance[] = [];
    const db = new Client({ connectionString: database.url });
    try {
      const setup = await createPublishingApp({ databaseUrl: database.url, config: { mediaDir } });
      await setup.dispatcher.stop();
      const { lead, workspaceId } = await seedWorkspace(setup);
      const channel = await createChannel(setup, lead, {
        platform: 'mastodon',
        approvalRequired: false,
        credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
      });
      const alts = ['A red square', 'An orange stand', 'A blue landscape', 'A green banner'];
      const colours = ['#c33', '#fa3', '#36c', '#3a5'];
      const ids: string[] = [];
      for (const [i, background] of colours.entries()) {
        const file = await sharp({ create: { width: 400 + 100 * i, height: 300, channels: 3, background } })
          .jpeg()
          .toBuffer();
        const res = await setup.http
          .post(`/v1/workspaces/${workspaceId}/media`)
          .set(auth(lead.key))
          .field('alt', alts[i])
          .attach('file', file, { filename: `photo-${i}.jpg`, contentType: 'image/jpeg' })
          .expect(201);
        ids.push(res.body.id as string);
      }
      const stored = await Promise.all(
        ids.map(async (id) => {
          const res = await setup.http.get(`/v1/media/${id}/file`).set(auth(lead.key)).expect(200);
          return createHash('sha256')
            .update(res.body as Buffer)
            .digest('hex');
        }),
      );
      await setup.app.close();

      const env = { MEDIA_DIR: mediaDir };
      instances.push(await startInstance(database.url, 'instance a', {}, undefined, env));
      mastodon.setLatency(UPLOAD_MS, '/api/v2/media');
      await db.connect();
      const {
        rows: [post],
      } = await db.query<{ id: string }>(
        `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at, media)
         VALUES ($1, $2, 'scheduled', 'Four photos of the fair', 'informative', clock_timestamp(), $3) RETURNING id`,
        [workspaceId, channel.id, JSON.stringify(ids.map((id) => ({ id })))],
      );
      const recorded = async () =>
        Number(
          (await db.query(`SELECT count(*) AS n FROM post_media_uploads WHERE post_id = $1`, [post.id])).rows[0].n,
        );
      await until('the first upload', () => mastodon.media.length >= 1, 30_000);
      const started = Date.now();
      instances.push(await startInstance(database.url, 'instance b', {}, undefined, env));

      await until('three uploads recorded', async () => (await recorded()) >= 3, 60_000);
      const runFor = Date.now() - started;
      const during = await db.query(`SELECT status, attempts FROM posts WHERE id = $1`, [post.id]);
      expect(during.rows[0]).toEqual({ status: 'publishing', attempts: 1 });
      expect(runFor).toBeGreaterThan(12_000); // longer than the lease: the heartbeat kept it
      instances[0].child.kill('SIGKILL');
      expect((await instances[0].exited).signal).toBe('SIGKILL');
      mastodon.resetFaults();

      await until(
        'the post published by instance b',
        async () =>
          (await db.query(`SELECT status FROM posts WHERE id = $1`, [post.id])).rows[0].status === 'published',
        60_000,
      );
      const { rows } = await db.query(`SELECT attempts, external_id FROM posts WHERE id = $1`, [post.id]);
      expect(rows[0].attempts).toBe(2);
      expect(mastodon.statuses).toHaveLength(1);
      const [status] = mastodon.statuses;
      expect(rows[0].external_id).toBe(status.id);
      expect(status.media.map((m) => m.description)).toEqual(alts);
      expect(status.media.map((m) => m.sha256)).toEqual(stored);
      expect(new Set(status.media.map((m) => m.id)).size).toBe(4);
      // At most the upload cut by the kill was sent twice; the three recorded were not.
      expect(mastodon.media.length).toBeLessThanOrEqual(5);
      console.log(
        `media takeover: a's call had run ${runFor} ms (3 of 4 uploads recorded) when it was killed; ` +
          `${mastodon.media.length} uploads reached the stand-in for 4 images`,
      );
      expect(instances[1].output.join('')).not.toMatch(/ERROR/);
    } finally {
      for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGTERM');
      await Promise.all(instances.map((i) => i.exited));
      await db.end().catch(() => undefined);
      await mastodon.stop();
      await database.drop();
      await rm(mediaDir, { recursive: true, force: true });
    }
  });
});
