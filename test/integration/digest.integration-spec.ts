import { createHmac } from 'node:crypto';
import { DigestJob } from '../../src/alerts/digest.job';
import { FixedClock } from '../../src/common/clock';
import { MetricsService } from '../../src/metrics/metrics.service';
import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { SmtpFake } from '../fakes/smtp.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';

const SECRET = 'digest-hook-secret';

/**
 * The weekly digest with two instances over one database, in a New York workspace: Monday
 * 1 March 2027 is EST (-05:00), Monday 15 March EDT (-04:00; the clocks moved on Sunday 14).
 */
describe('weekly digest', () => {
  let a: AlertsTestApp;
  let b: AlertsTestApp;
  const smtp = new SmtpFake();
  const hooks = new WebhookReceiverFake();
  const clock = new FixedClock(new Date('2027-03-03T12:00:00Z'));
  let ws: {
    lead: Session;
    editor: Session;
    viewer: Session;
    workspaceId: string;
    leads: string[];
    editorEmail: string;
  };
  let channelId: string;
  const posts: string[] = [];
  /** The dispatcher publishes what is due at `iso` (the mock adapter). */
  async function publishDue(iso: string) {
    clock.set(iso);
    await a.dispatcher.drain();
  }
  const snapshot = (at: string, likes: number, reposts: number, replies: number) => ({
    at: new Date(at),
    likes,
    reposts,
    replies,
    quotes: null,
    clicks: null,
  });

  beforeAll(async () => {
    await Promise.all([smtp.start(), hooks.start()]);
    const config = { smtpUrl: smtp.url, publicUrl: 'https://palinsesto.example.com', digestHour: 8 };
    a = await createAlertsApp({ clock, config });
    b = await createAlertsApp({ clock, config, databaseUrl: a.databaseUrl });

    const seeded = await seedWorkspace(a);
    await a.http
      .patch(`/v1/workspaces/${seeded.workspaceId}`)
      .set(auth(seeded.lead.key))
      .send({ timezone: 'America/New_York' })
      .expect(200);
    await a.http
      .post(`/v1/workspaces/${seeded.workspaceId}/members`)
      .set(auth(seeded.lead.key))
      .send({ name: 'Second Lead', email: 'second.lead@example.com', role: 'lead' })
      .expect(201);
    const members = (
      await a.http.get(`/v1/workspaces/${seeded.workspaceId}/members`).set(auth(seeded.lead.key)).expect(200)
    ).body.items as { role: string; email: string }[];
    const leads = members.filter((m) => m.role === 'lead').map((m) => m.email);
    expect(leads).toHaveLength(2);
    const editor = members.find((m) => m.role === 'editor')!.email;
    ws = { ...seeded, leads, editorEmail: editor };
    await a.http
      .put(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
      .set(auth(ws.lead.key))
      .send({ lookaheadDays: 7, webhooks: [{ url: `${hooks.url}/digest`, secret: SECRET }] })
      .expect(200);
    const channel = await createChannel(a, ws.lead, {
      name: 'Acme Weekly',
      timezone: 'America/New_York',
      approvalRequired: false,
      rules: {
        cadence: { postsPerWeek: 2 },
        mix: { windowDays: 7, limits: { promotional: { max: 0.2 } } },
      },
    });
    channelId = channel.id;
    // The week of 1 March: two posts, one promotional; the week of 8 March: one.
    for (const [at, category] of [
      ['2027-03-04T10:00:00-05:00', 'informative'],
      ['2027-03-06T10:00:00-05:00', 'promotional'],
      ['2027-03-09T10:00:00-05:00', 'informative'],
    ]) {
      const post = await a.http
        .post(`/v1/channels/${channelId}/posts`)
        .set(auth(ws.editor.key))
        .send({ body: 'Hello', category })
        .expect(201);
      await a.http
        .post(`/v1/posts/${post.body.id}/schedule`)
        .set(auth(ws.editor.key))
        .send({ scheduledAt: at })
        .expect(200);
      posts.push(post.body.id as string);
    }
    // The first week's two posts go out (mock platform) and get their counts; the third
    // goes out on its day, within the first test.
    await publishDue('2027-03-04T15:01:00Z');
    await publishDue('2027-03-06T15:01:00Z');
    const metrics = a.app.get(MetricsService);
    await metrics.record(posts[0]!, snapshot('2027-03-05T15:00:00Z', 3, 1, 1));
    await metrics.record(posts[1]!, snapshot('2027-03-07T15:00:00Z', 2, 0, 0));
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await Promise.all([smtp.stop(), hooks.stop()]);
  });

  const digestOf = (app: AlertsTestApp) => app.app.get(DigestJob);
  /** Both instances run the digest at the same moment, twice. */
  async function bothAt(iso: string) {
    clock.set(iso);
    await Promise.all([digestOf(a).run(), digestOf(b).run(), digestOf(a).run(), digestOf(b).run()]);
  }
  const digestMails = () => smtp.mails.filter((m) => m.subject.startsWith('Weekly digest:'));
  const digestsTo = (address: string) => digestMails().filter((m) => m.to.includes(address));
  const digestHooks = () =>
    hooks.deliveries.filter((d) => d.path === '/digest' && (d.json as { event: string }).event === 'digest.weekly');

  it('arrives once per lead and webhook on Monday 08:00 local, across DST, with two instances running', async () => {
    // Monday 8 March, 07:59 EST: not yet.
    await bothAt('2027-03-08T12:59:00Z');
    expect(digestMails()).toEqual([]);
    expect(digestHooks()).toEqual([]);

    // 08:00 EST: one email per lead, none for the editor; the webhook answers 503 at first.
    hooks.respondWith(503, { error: 'busy' });
    await bothAt('2027-03-08T13:00:00Z');
    for (const lead of ws.leads) expect(digestsTo(lead)).toHaveLength(1);
    expect(digestsTo(ws.editorEmail)).toEqual([]);
    expect(digestMails()).toHaveLength(2);
    expect(digestHooks()).toHaveLength(1);
    // Retried after the backoff (30 s), the same delivery, once.
    hooks.respondWith(200, { ok: true });
    await bothAt('2027-03-08T13:00:20Z');
    expect(digestHooks()).toHaveLength(1);
    await bothAt('2027-03-08T13:00:31Z');
    expect(digestHooks()).toHaveLength(2);
    expect(digestHooks()[1].deliveryId).toBe(digestHooks()[0].deliveryId);
    await bothAt('2027-03-08T13:05:00Z');
    expect(digestHooks()).toHaveLength(2);

    const mail = digestsTo(ws.leads[0])[0];
    expect(mail.subject).toMatch(/^Weekly digest: .+, week to Mon 8 Mar$/);
    expect(mail.text).toContain('Last week in');
    expect(mail.text).toContain('Mon 1 Mar – Sun 7 Mar 2027 (America/New_York): 1 channel.');
    expect(mail.text).toContain('Acme Weekly (mock)');
    expect(mail.text).toContain('Discipline: 2 posts of the 2 a week it aims for: cadence kept;');
    expect(mail.text).toContain('Mix: informative 50%, promotional 50% (at most 20%: not kept).');
    expect(mail.text).toContain('Open alerts: none.');
    // Results from the reports: 3+1+1 and 2 engagements (the week before had no post: no
    // change to tell); the channel tracks no links.
    expect(mail.text).toContain('Results: 7 engagements, clicks not tracked.');
    expect(mail.text).toContain('Its reason lacks: purpose, audience, goal, kpis.');
    expect(mail.text).toContain('Calendar: https://palinsesto.example.com/#calendar');
    expect(mail.html).toContain('<a href="https://palinsesto.example.com/#reports">Reports</a>');

    const hook = digestHooks()[1];
    expect(hook.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(hook.rawBody).digest('hex')}`);
    expect(hook.json).toMatchObject({
      event: 'digest.weekly',
      workspace: { id: ws.workspaceId, timezone: 'America/New_York' },
      period: {
        from: '2027-03-01',
        to: '2027-03-07',
        start: '2027-03-01T05:00:00.000Z',
        end: '2027-03-08T05:00:00.000Z',
      },
      resultsNote: null,
      channels: [
        {
          id: channelId,
          name: 'Acme Weekly',
          discipline: { postsPublished: 2, postsPerWeekTarget: 2, cadenceMet: true, failures: 0 },
          mix: [
            { category: 'informative', share: 0.5, min: null, max: null, withinLimits: true },
            { category: 'promotional', share: 0.5, min: null, max: 0.2, withinLimits: false },
          ],
          results: { engagements: 7, engagementsChange: null, clicks: null, clicksChange: null },
          openAlerts: [],
        },
      ],
    });

    // Later that Monday and on Tuesday: nothing more.
    await bothAt('2027-03-08T20:00:00Z');
    await bothAt('2027-03-09T13:00:00Z');
    expect(digestMails()).toHaveLength(2);
    expect(digestHooks()).toHaveLength(2);
    await publishDue('2027-03-09T15:01:00Z');

    // Before that Monday, the gap scan finds the weeks of 15 and 22 March short of posts;
    // the alerts settle and are sent (to the same webhook: alert calls, not digests).
    clock.set('2027-03-15T11:00:00Z');
    await a.detector.scan();
    clock.set('2027-03-15T11:31:00Z');
    await a.tick();
    const open = (
      await a.http.get(`/v1/workspaces/${ws.workspaceId}/alerts?status=open`).set(auth(ws.lead.key)).expect(200)
    ).body.items as { id: string; kind: string; delivery: string; message: string }[];
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((x) => x.kind === 'under_cadence' && x.delivery === 'delivered')).toBe(true);

    // Monday 15 March is EDT: 12:00Z is 08:00 local (13:00Z would be 09:00).
    await bothAt('2027-03-15T11:59:00Z');
    expect(digestMails()).toHaveLength(2);
    await bothAt('2027-03-15T12:00:00Z');
    for (const lead of ws.leads) expect(digestsTo(lead)).toHaveLength(2);
    expect(digestsTo(ws.editorEmail)).toEqual([]);
    expect(digestHooks()).toHaveLength(3);
    const second = digestsTo(ws.leads[1])[1];
    expect(second.subject).toMatch(/week to Mon 15 Mar$/);
    expect(second.text).toContain('Discipline: 1 post of the 2 a week it aims for: cadence missed;');
    expect(second.text).toContain(`Open alerts (${open.length}):\n  - ${open.find(Boolean)!.message.slice(0, 20)}`);
    const listed = (digestHooks()[2].json as { channels: { openAlerts: { id: string }[] }[] }).channels[0].openAlerts;
    expect(listed.map((x) => x.id).sort()).toEqual(open.map((x) => x.id).sort());
    expect(digestHooks()[2].json).toMatchObject({
      period: {
        from: '2027-03-08',
        to: '2027-03-14',
        start: '2027-03-08T05:00:00.000Z',
        end: '2027-03-15T04:00:00.000Z',
      },
    });
    // Each delivery has its own id, which a receiver drops repeats by.
    expect(new Set(digestHooks().map((h) => h.deliveryId)).size).toBe(2);
    expect(digestHooks()[2].deliveryId).not.toBe(digestHooks()[0].deliveryId);
  });

  it('a lead previews the digest of the last full week and who gets it; others may not', async () => {
    clock.set('2027-03-17T15:00:00Z');
    const res = await a.http.get(`/v1/workspaces/${ws.workspaceId}/digest/preview`).set(auth(ws.lead.key)).expect(200);
    expect(res.body).toMatchObject({
      period: { from: '2027-03-08', to: '2027-03-14' },
      schedule: { weekday: 'Monday', hour: 8, timezone: 'America/New_York' },
      channels: [{ id: channelId, discipline: { postsPublished: 1, cadenceMet: false } }],
    });
    expect([...res.body.recipients].sort()).toEqual(
      [...ws.leads.map((l) => `email:${l}`), `webhook:${hooks.url}/digest`].sort(),
    );
    await a.http.get(`/v1/workspaces/${ws.workspaceId}/digest/preview`).set(auth(ws.editor.key)).expect(403);
    // Previewing sends nothing.
    await new Promise((r) => setTimeout(r, 200));
    expect(digestMails()).toHaveLength(4);
  });
});
