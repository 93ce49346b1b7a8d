import { FixedClock } from '../../src/common/clock';
import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, seedWorkspace } from '../support/fixtures';
import { SmtpFake } from '../fakes/smtp.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';

const NOW = '2027-01-04T08:00:00Z';
const CHANNELS = 6;

interface HookBody {
  event: string;
  alert: { id: string; kind: string; channelId: string };
}

/** Two instances on one database, both scanning every second and delivering, plus extra concurrent rounds by hand. */
describe('alerts with two instances', () => {
  let a: AlertsTestApp;
  let b: AlertsTestApp;
  const smtp = new SmtpFake();
  const hooks = new WebhookReceiverFake();
  const clock = new FixedClock(new Date(NOW));

  beforeAll(async () => {
    await Promise.all([smtp.start(), hooks.start()]);
    const options = { schedule: true, deliveryIntervalMs: 200 };
    // Deliveries at once, as before the settling time (alerts-settling covers it); NOW is a
    // Monday morning, so without DIGEST_HOUR off the timers would also send the weekly
    // digest to the same webhooks (digest.integration-spec covers it).
    const config = { smtpUrl: smtp.url, gapScanIntervalMs: 1000, alertSettleMs: 0, digestHour: null };
    a = await createAlertsApp({ clock, options, config });
    b = await createAlertsApp({ clock, options, config, databaseUrl: a.databaseUrl });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await Promise.all([smtp.stop(), hooks.stop()]);
  });

  /** Both instances scan and deliver at once, a few times over, on top of their timers. */
  async function race(rounds = 4): Promise<void> {
    for (let i = 0; i < rounds; i++) await Promise.all([a.tick(), b.tick(), a.worker.deliver(), b.worker.deliver()]);
  }

  /** Waits (for work, not for time: the clock stands still) until `done` holds, racing meanwhile. */
  async function until(done: () => boolean): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!done()) {
      if (Date.now() > deadline) {
        const rows = await a.db.query(
          `SELECT a.kind, a.resolved_at, a.resolution, d.event, d.state, d.attempts, d.last_error FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id ORDER BY d.created_at`,
        );
        throw new Error(
          `gave up waiting for deliveries: ${smtp.mails.length} mails, ${hooks.deliveries.length} hooks; ${JSON.stringify(rows)}`,
        );
      }
      await race(1);
    }
    // A few more rounds on both instances (and their timers): nothing more may arrive.
    await race(3);
    await new Promise((r) => setTimeout(r, 1_200));
    await race(2);
  }

  it('open and resolve: every alert reaches every destination exactly once', async () => {
    const ws = await seedWorkspace(a);
    const lead2 = await a.http
      .post(`/v1/workspaces/${ws.workspaceId}/members`)
      .set(auth(ws.lead.key))
      .send({ name: 'Second Lead', email: 'second.lead@example.com', role: 'lead' })
      .expect(201);
    const leads = (
      await a.http.get(`/v1/workspaces/${ws.workspaceId}/members`).set(auth(ws.lead.key)).expect(200)
    ).body.items
      .filter((m: { role: string }) => m.role === 'lead')
      .map((m: { email: string }) => m.email) as string[];
    expect(leads).toHaveLength(2);
    expect(leads).toContain(lead2.body.member.email);
    await b.http
      .put(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
      .set(auth(ws.lead.key))
      .send({ lookaheadDays: 7, webhooks: [{ url: `${hooks.url}/twice`, secret: 'two-instances' }] })
      .expect(200);
    const channels: string[] = [];
    for (let i = 0; i < CHANNELS; i++) {
      const created = await createChannel(a, ws.lead, {
        name: `Quiet ${i}`,
        approvalRequired: false,
        rules: { cadence: { maxGapHours: 48 } },
      });
      channels.push(created.id);
    }
    // One destination fails once: retried by whichever instance, still once.
    hooks.failNext(1, 500);

    const destinations = leads.length + 1;
    await until(() => smtp.mails.length >= CHANNELS * leads.length && hooks.deliveries.length >= CHANNELS - 1);
    expect(hooks.deliveries).toHaveLength(CHANNELS - 1);
    // The failed webhook attempt waits for its backoff: move the clock, then race again.
    clock.advance(31_000);
    await until(() => hooks.deliveries.length >= CHANNELS);

    const opened = (
      await a.http.get(`/v1/workspaces/${ws.workspaceId}/alerts?status=open`).set(auth(ws.lead.key)).expect(200)
    ).body.items;
    expect(opened).toHaveLength(CHANNELS);
    expect(new Set(opened.map((x: { channelId: string }) => x.channelId))).toEqual(new Set(channels));
    expect(opened.every((x: { kind: string }) => x.kind === 'inactivity')).toBe(true);
    for (const lead of leads) {
      const subjects = smtp.to(lead).map((m) => m.subject);
      expect(subjects).toHaveLength(CHANNELS);
      expect(new Set(subjects).size).toBe(CHANNELS);
    }
    const bodies = hooks.deliveries.map((d) => d.json as HookBody);
    expect(bodies).toHaveLength(CHANNELS);
    expect(new Set(bodies.map((x) => x.alert.id)).size).toBe(CHANNELS);
    expect(hooks.deliveries.every((d) => hooks.verify(d, 'two-instances'))).toBe(true);

    // Fill every gap: a post 36 hours before the end of the lookahead (the stretch before a
    // channel's first post is not a gap: its history starts there).
    const before = { mails: smtp.mails.length, hooks: hooks.deliveries.length };
    for (const channelId of channels) {
      const post = await a.http
        .post(`/v1/channels/${channelId}/posts`)
        .set(auth(ws.editor.key))
        .send({ body: 'Back', category: 'informative' })
        .expect(201);
      await a.http
        .post(`/v1/posts/${post.body.id}/schedule`)
        .set(auth(ws.editor.key))
        .send({ scheduledAt: '2027-01-16T12:00:00+01:00' })
        .expect(200);
    }
    await until(
      () =>
        hooks.deliveries.length >= before.hooks + CHANNELS &&
        smtp.mails.length >= before.mails + CHANNELS * leads.length,
    );
    const resolvedMails = smtp.mails.slice(before.mails);
    expect(resolvedMails).toHaveLength(CHANNELS * leads.length);
    expect(resolvedMails.every((m) => m.subject.startsWith('Resolved: '))).toBe(true);
    const resolvedHooks = hooks.deliveries.slice(before.hooks).map((d) => d.json as HookBody);
    expect(resolvedHooks.map((x) => x.event)).toEqual(Array(CHANNELS).fill('alert.resolved'));
    expect(new Set(resolvedHooks.map((x) => x.alert.id))).toEqual(new Set(bodies.map((x) => x.alert.id)));
    const rows = await a.db.query(
      `SELECT event, state, count(*)::int AS n FROM alert_deliveries GROUP BY event, state ORDER BY event`,
    );
    expect(rows).toEqual([
      { event: 'opened', state: 'delivered', n: CHANNELS * destinations },
      { event: 'resolved', state: 'delivered', n: CHANNELS * destinations },
    ]);
  });
});
