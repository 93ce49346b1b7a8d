import { SmtpFake } from '../fakes/smtp.fake';
import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';

// Monday 4 January 2027, 09:00 in Rome.
const NOW = '2027-01-04T08:00:00Z';
const POSTS = 60; // three times as many failures at once as the pool has connections (20)

/**
 * A burst of failures: each opens its publish_failed alert in a transaction that also looks up
 * the leads' addresses. That lookup runs on the transaction's own connection; on a second one
 * it would need two connections per failure, and 60 failures at once would wait on a pool of
 * 20 until its acquire timeout, leaving the alerts to the next sweep.
 */
describe('publish_failed alerts for a burst of failures', () => {
  let t: AlertsTestApp;
  const smtp = new SmtpFake();
  let ws: { lead: Session; editor: Session; workspaceId: string };

  beforeAll(async () => {
    await smtp.start();
    t = await createAlertsApp({ now: NOW, config: { smtpUrl: smtp.url, publicUrl: 'https://palinsesto.example.com' } });
    ws = await seedWorkspace(t);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('opens every alert at once, each with an email to the lead, without waiting for a scan', async () => {
    const channel = await createChannel(t, ws.lead, { name: 'Acme Burst', approvalRequired: false });
    const ids: string[] = [];
    for (let i = 0; i < POSTS; i++) {
      const post = await t.http
        .post(`/v1/channels/${channel.id}/posts`)
        .set(auth(ws.editor.key))
        .send({ body: `Post ${i}`, category: 'informative' })
        .expect(201);
      const at = new Date(Date.parse(NOW) + (i + 1) * 10 * 60_000).toISOString();
      await t.http
        .post(`/v1/posts/${post.body.id}/schedule`)
        .set(auth(ws.editor.key))
        .send({ scheduledAt: at })
        .expect(200);
      ids.push(post.body.id as string);
    }
    // A day later, all of them are missed at once.
    t.clock.set(new Date(Date.parse(NOW) + 24 * 3_600_000));
    await t.dispatcher.drain();

    const rows = (await t.db.query(
      `SELECT a.post_id, count(d.*)::int AS deliveries, bool_and(d.destination LIKE 'email:%') AS emails
         FROM alerts a LEFT JOIN alert_deliveries d ON d.alert_id = a.id
        WHERE a.kind = 'publish_failed' AND a.channel_id = $1 GROUP BY a.post_id`,
      [channel.id],
    )) as { post_id: string; deliveries: number; emails: boolean }[];
    expect(rows.map((r) => r.post_id).sort()).toEqual([...ids].sort());
    for (const r of rows) expect(r).toMatchObject({ deliveries: 1, emails: true });
  });
});
