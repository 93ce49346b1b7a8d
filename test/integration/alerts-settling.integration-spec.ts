import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { SmtpFake } from '../fakes/smtp.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';

// Monday 4 January 2027, 09:00 in Rome.
const NOW = '2027-01-04T08:00:00Z';
const MINUTE = 60_000;

/** ALERT_SETTLE_MS at its default (30 minutes): planned gaps wait; inactivity does not. */
describe('alerts: the settling time of planned gaps', () => {
  let t: AlertsTestApp;
  const smtp = new SmtpFake();
  const hooks = new WebhookReceiverFake();

  beforeAll(async () => {
    await Promise.all([smtp.start(), hooks.start()]);
    t = await createAlertsApp({ now: NOW, config: { smtpUrl: smtp.url, alertSettleMs: 30 * MINUTE } });
  });
  afterEach(() => t.clock.set(NOW));
  afterAll(async () => {
    await t.close();
    await Promise.all([smtp.stop(), hooks.stop()]);
  });

  async function team(path: string) {
    const ws = await seedWorkspace(t);
    const second = await t.http
      .post(`/v1/workspaces/${ws.workspaceId}/members`)
      .set(auth(ws.lead.key))
      .send({ name: 'Second Lead', email: `second.${path.slice(1)}@example.com`, role: 'lead' })
      .expect(201);
    const members = await t.http.get(`/v1/workspaces/${ws.workspaceId}/members`).set(auth(ws.lead.key)).expect(200);
    const leads = (members.body.items as { role: string; email: string }[])
      .filter((m) => m.role === 'lead')
      .map((m) => m.email);
    expect(leads).toHaveLength(2);
    expect(leads).toContain(second.body.member.email);
    await t.http
      .put(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
      .set(auth(ws.lead.key))
      .send({ lookaheadDays: 7, webhooks: [{ url: `${hooks.url}${path}` }] })
      .expect(200);
    return { ...ws, leads };
  }

  async function schedule(s: Session, channelId: string, at: string) {
    const post = await t.http
      .post(`/v1/channels/${channelId}/posts`)
      .set(auth(s.key))
      .send({ body: 'Hello', category: 'informative' })
      .expect(201);
    await t.http.post(`/v1/posts/${post.body.id}/schedule`).set(auth(s.key)).send({ scheduledAt: at }).expect(200);
  }

  async function alerts(s: Session) {
    const res = await t.http.get(`/v1/workspaces/${s.workspaceId}/alerts`).set(auth(s.key)).expect(200);
    return res.body.items as {
      id: string;
      kind: string;
      from: string;
      resolvedAt: string | null;
      delivery: string;
      settlesAt: string | null;
    }[];
  }

  const after = (ms: number) => t.clock.set(new Date(Date.parse(NOW) + ms).toISOString());
  const mailsTo = (addresses: string[]) => smtp.mails.filter((m) => m.to.some((a) => addresses.includes(a)));
  const hooksAt = (path: string) => hooks.deliveries.filter((d) => d.path === path);

  it('a manager filling the week one post a minute hears nothing: neither alerts nor resolutions', async () => {
    const ws = await team('/filling');
    const channel = await createChannel(t, ws.lead, {
      name: 'Acme Filling',
      approvalRequired: false,
      rules: { cadence: { maxGapHours: 72 } },
    });
    await schedule(ws.editor, channel.id, '2027-01-04T12:00:00+01:00');
    await t.tick();
    const [first] = await alerts(ws.lead);
    // Nothing planned after Monday noon: an alert, settling until 30 minutes after it opened.
    expect(first).toMatchObject({
      kind: 'planned_gap',
      from: '2027-01-04T11:00:00.000Z',
      resolvedAt: null,
      delivery: 'settling',
      settlesAt: '2027-01-04T08:30:00.000Z',
    });

    // Every three days to the end of the lookahead, a post a minute: each one moves the gap
    // (a new start, so a new alert) until none is left.
    const fills = [
      '2027-01-07T10:00:00+01:00',
      '2027-01-10T08:00:00+01:00',
      '2027-01-13T06:00:00+01:00',
      '2027-01-16T04:00:00+01:00',
    ];
    for (const [i, at] of fills.entries()) {
      after((i + 1) * MINUTE);
      await schedule(ws.editor, channel.id, at);
      await t.tick();
    }
    const all = await alerts(ws.lead);
    expect(all.length).toBe(fills.length);
    for (const a of all) expect(a).toMatchObject({ kind: 'planned_gap', delivery: 'withheld' });
    expect(all.every((a) => a.resolvedAt !== null)).toBe(true);

    // Long after the settling time: still nothing sent, to anyone.
    for (const later of [31 * MINUTE, 2 * 60 * MINUTE]) {
      after(later);
      await t.tick();
    }
    expect(mailsTo(ws.leads)).toEqual([]);
    expect(hooksAt('/filling')).toEqual([]);
  });

  it('a gap that persists is delivered once, when it settles; one that shrinks keeps its alert and its settling time', async () => {
    const ws = await team('/persisting');
    const channel = await createChannel(t, ws.lead, {
      name: 'Acme Persisting',
      approvalRequired: false,
      rules: { cadence: { maxGapHours: 72 } },
    });
    await schedule(ws.editor, channel.id, '2027-01-04T12:00:00+01:00');
    await t.tick();
    const [gap] = await alerts(ws.lead);

    // Ten minutes later a post on Friday: Monday to Friday is still too long (the same start,
    // the same alert, shorter), and Friday to the end of the lookahead is a new gap.
    after(10 * MINUTE);
    await schedule(ws.editor, channel.id, '2027-01-08T12:00:00+01:00');
    await t.tick();
    const both = await alerts(ws.lead);
    expect(both).toHaveLength(2);
    expect(both.find((a) => a.id === gap.id)).toMatchObject({
      resolvedAt: null,
      delivery: 'settling',
      settlesAt: '2027-01-04T08:30:00.000Z',
    });
    const friday = both.find((a) => a.id !== gap.id)!;
    expect(friday).toMatchObject({
      from: '2027-01-08T11:00:00.000Z',
      delivery: 'settling',
      settlesAt: '2027-01-04T08:40:00.000Z',
    });

    after(29 * MINUTE);
    await t.tick();
    expect(mailsTo(ws.leads)).toEqual([]);
    expect(hooksAt('/persisting')).toEqual([]);

    // At 30 minutes the Monday gap is delivered: one email per lead, one webhook call.
    after(30 * MINUTE);
    await t.tick();
    for (const lead of ws.leads)
      expect(mailsTo([lead]).map((m) => m.subject)).toEqual([
        'Acme Persisting: no post planned Mon 4 Jan 12:00 – Fri 8 Jan 12:00',
      ]);
    expect(hooksAt('/persisting')).toHaveLength(1);
    expect((await alerts(ws.lead)).find((a) => a.id === gap.id)?.delivery).toBe('delivered');

    // The Friday gap settles ten minutes later; then repeated scans send nothing more.
    for (const later of [40 * MINUTE, 41 * MINUTE, 3 * 60 * MINUTE]) {
      after(later);
      await t.tick();
    }
    for (const lead of ws.leads)
      expect(mailsTo([lead]).map((m) => m.subject)).toEqual([
        'Acme Persisting: no post planned Mon 4 Jan 12:00 – Fri 8 Jan 12:00',
        'Acme Persisting: nothing planned after Fri 8 Jan 12:00',
      ]);
    expect(hooksAt('/persisting').map((h) => (h.json as { alert: { id: string } }).alert.id)).toEqual([
      gap.id,
      friday.id,
    ]);
    expect((await alerts(ws.lead)).map((a) => a.delivery)).toEqual(['delivered', 'delivered']);
  });

  it('inactivity is not delayed: the planned gap it grew from ends silently, the inactivity is sent at once', async () => {
    const ws = await team('/inactive');
    const channel = await createChannel(t, ws.lead, {
      name: 'Acme Inactive',
      approvalRequired: false,
      rules: { cadence: { maxGapHours: 24 } },
    });
    // One post at 10:00, nothing after it: a planned gap, settling.
    await schedule(ws.editor, channel.id, '2027-01-04T10:00:00+01:00');
    await t.tick();
    expect((await alerts(ws.lead)).map((a) => [a.kind, a.delivery])).toEqual([['planned_gap', 'settling']]);

    // A day after that post nothing followed it: inactivity, delivered by the scan that found it.
    after(25 * 60 * MINUTE + MINUTE);
    await t.tick();
    const now = await alerts(ws.lead);
    expect(now.find((a) => a.kind === 'inactivity')).toMatchObject({
      resolvedAt: null,
      delivery: 'delivered',
      settlesAt: null,
    });
    expect(now.find((a) => a.kind === 'planned_gap')).toMatchObject({ delivery: 'withheld' });
    expect(now.find((a) => a.kind === 'planned_gap')?.resolvedAt).not.toBeNull();
    for (const lead of ws.leads) {
      expect(mailsTo([lead]).map((m) => m.subject)).toEqual(['Acme Inactive: nothing published since Mon 4 Jan 10:00']);
    }
    expect(hooksAt('/inactive')).toHaveLength(1);
  });
});
