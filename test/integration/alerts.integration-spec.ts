import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { SmtpFake } from '../fakes/smtp.fake';
import { WebhookReceiverFake, type WebhookDelivery } from '../fakes/webhook-receiver.fake';

// Monday 4 January 2027, 09:00 in Rome.
const NOW = '2027-01-04T08:00:00Z';
const SECRET = 'alert-hook-secret';

describe('alerts', () => {
  let t: AlertsTestApp;
  const smtp = new SmtpFake();
  const hooks = new WebhookReceiverFake();

  beforeAll(async () => {
    await Promise.all([smtp.start(), hooks.start()]);
    // Deliveries at once, as before the settling time (alerts-settling covers it).
    t = await createAlertsApp({
      now: NOW,
      config: { smtpUrl: smtp.url, publicUrl: 'https://palinsesto.example.com', alertSettleMs: 0 },
    });
  });
  afterEach(() => t.clock.set(NOW));
  afterAll(async () => {
    await t.close();
    await Promise.all([smtp.stop(), hooks.stop()]);
  });

  /** A workspace with two leads (plus an editor and a viewer) and a webhook at `path`. */
  async function team(path: string, settings: Record<string, unknown> = {}) {
    const ws = await seedWorkspace(t);
    const second = await t.http
      .post(`/v1/workspaces/${ws.workspaceId}/members`)
      .set(auth(ws.lead.key))
      .send({ name: 'Second Lead', email: `second.${path.slice(1)}@example.com`, role: 'lead' })
      .expect(201);
    const leads = [
      (await t.http.get(`/v1/workspaces/${ws.workspaceId}/members`).set(auth(ws.lead.key)).expect(200)).body.items
        .filter((m: { role: string }) => m.role === 'lead')
        .map((m: { email: string }) => m.email),
    ].flat() as string[];
    expect(leads).toContain(second.body.member.email);
    await t.http
      .put(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
      .set(auth(ws.lead.key))
      .send({ lookaheadDays: 7, webhooks: [{ url: `${hooks.url}${path}`, secret: SECRET }], ...settings })
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
    return post.body.id as string;
  }

  async function alerts(s: Session, query = '') {
    const res = await t.http.get(`/v1/workspaces/${s.workspaceId}/alerts${query}`).set(auth(s.key)).expect(200);
    return res.body.items as {
      id: string;
      kind: string;
      channelId: string;
      from: string;
      to: string;
      openedAt: string;
      resolvedAt: string | null;
      message: string;
    }[];
  }

  const hooksAt = (path: string): WebhookDelivery[] => hooks.deliveries.filter((d) => d.path === path);
  const mailsTo = (addresses: string[]) => smtp.mails.filter((m) => m.to.some((a) => addresses.includes(a)));

  it('a quiet channel: one alert, one email per lead, one signed webhook; repeated scans add nothing; filling the gap resolves it once', async () => {
    const ws = await team('/quiet');
    const channel = await createChannel(t, ws.lead, {
      name: 'Acme Quiet',
      approvalRequired: false,
      rules: { cadence: { maxGapHours: 168 } },
    });
    const first = await schedule(ws.editor, channel.id, '2027-01-04T12:00:00+01:00');

    const report = await t.detector.scan();
    expect(report.opened).toBe(1);
    const [alert] = await alerts(ws.lead, '?status=open');
    // Nothing planned after Monday noon, up to the end of the week the 7-day lookahead reaches.
    expect(alert).toMatchObject({
      kind: 'planned_gap',
      channelId: channel.id,
      from: '2027-01-04T11:00:00.000Z',
      to: '2027-01-17T23:00:00.000Z',
      resolvedAt: null,
    });
    expect(alert.message).toBe(
      'Nothing is planned since Mon 4 Jan 12:00: the channel allows at most 168 hours between posts. Schedule a post before Mon 11 Jan 12:00.',
    );

    await t.worker.deliver();
    for (const lead of ws.leads) expect(mailsTo([lead])).toHaveLength(1);
    const mail = mailsTo([ws.leads[0]])[0];
    expect(mail.subject).toBe('Acme Quiet: nothing planned after Mon 4 Jan 12:00');
    expect(mail.from).toBe('palinsesto@localhost');
    expect(mail.text).toContain(
      'When: From Mon 4 Jan 2027 12:00 (+01:00) to Mon 18 Jan 2027 00:00 (+01:00) (end of the lookahead) (Europe/Rome)',
    );
    expect(mail.text).toContain('Cadence: at most 168 hours between two posts');
    // Halfway through the week the cadence allows after the last post, then a day apart.
    expect(mail.text).toContain(
      'Free slots that would fill it:\n  - Fri 8 Jan 2027 00:00 (+01:00)\n  - Sat 9 Jan 2027 00:00 (+01:00)\n  - Sun 10 Jan 2027 00:00 (+01:00)\n',
    );
    // The page's "Fill this gap" asks the API for the very slots the email offered.
    const suggested = await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/alerts/${alert.id}/suggested-slots`)
      .set(auth(ws.viewer.key))
      .expect(200);
    expect(suggested.body).toEqual({
      alertId: alert.id,
      channelId: channel.id,
      category: 'informative',
      slots: ['2027-01-07T23:00:00.000Z', '2027-01-08T23:00:00.000Z', '2027-01-09T23:00:00.000Z'],
    });
    const stranger = await seedWorkspace(t);
    await t.http
      .get(`/v1/workspaces/${stranger.workspaceId}/alerts/${alert.id}/suggested-slots`)
      .set(auth(stranger.lead.key))
      .expect(404);
    await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/alerts/${alert.id}/suggested-slots`)
      .set(auth(stranger.lead.key))
      .expect(404);
    await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/alerts/not-a-uuid/suggested-slots`)
      .set(auth(ws.lead.key))
      .expect(400);
    expect(mail.text).toContain(`https://palinsesto.example.com/v1/channels/${channel.id}/calendar?from=`);
    expect(mail.html).toContain('<a href="https://palinsesto.example.com/v1/channels/');
    expect(mail.html).toContain('<strong>Nothing is planned since Mon 4 Jan 12:00');

    const [hook] = hooksAt('/quiet');
    expect(hooksAt('/quiet')).toHaveLength(1);
    expect(hooks.verify(hook, SECRET)).toBe(true);
    expect(hook.deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hook.json).toMatchObject({
      event: 'alert.opened',
      alert: { id: alert.id, kind: 'planned_gap', channelId: channel.id, from: alert.from, to: alert.to },
      channel: { id: channel.id, name: 'Acme Quiet', timezone: 'Europe/Rome' },
    });
    expect((hook.json as { text: string }).text).toMatch(
      /^:warning: Nothing is planned since Mon 4 Jan 12:00.*\(Acme Quiet\) <https:\/\/palinsesto\.example\.com\/v1\/channels\/.*\|calendar>/,
    );

    // More scans (and the clock moving within the same week) add nothing.
    for (let i = 0; i < 3; i++) {
      t.clock.advance(3_600_000);
      expect(await t.detector.scan()).toMatchObject({ opened: 0, updated: 0, resolved: 0, queued: 0 });
      await t.worker.deliver();
    }
    expect(mailsTo(ws.leads)).toHaveLength(2);
    expect(hooksAt('/quiet')).toHaveLength(1);
    expect(await alerts(ws.lead)).toHaveLength(1);

    // Fill it: no stretch longer than a week up to the end of the lookahead.
    await schedule(ws.editor, channel.id, '2027-01-10T12:00:00+01:00');
    await schedule(ws.editor, channel.id, '2027-01-17T12:00:00+01:00');
    expect(await t.detector.scan()).toMatchObject({ opened: 0, resolved: 1 });
    const [resolved] = await alerts(ws.lead, '?status=resolved');
    expect(resolved).toMatchObject({ id: alert.id, resolvedAt: expect.any(String) });
    const afterFill = await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/alerts/${alert.id}/suggested-slots`)
      .set(auth(ws.lead.key))
      .expect(200);
    expect(afterFill.body).toMatchObject({ category: null, slots: [] });
    expect(await alerts(ws.lead, '?status=open')).toEqual([]);
    await t.worker.deliver();
    await t.detector.scan();
    await t.worker.deliver();
    for (const lead of ws.leads) {
      const mails = mailsTo([lead]);
      expect(mails.map((m) => m.subject)).toEqual([
        'Acme Quiet: nothing planned after Mon 4 Jan 12:00',
        'Resolved: Acme Quiet: nothing planned after Mon 4 Jan 12:00',
      ]);
      expect(mails[1].text).toContain('Resolved on Mon 4 Jan 2027 12:00 (+01:00): nothing to do any more.');
    }
    expect(hooksAt('/quiet').map((d) => (d.json as { event: string }).event)).toEqual([
      'alert.opened',
      'alert.resolved',
    ]);
    expect(hooks.verify(hooksAt('/quiet')[1], SECRET)).toBe(true);
    expect(new Set(hooksAt('/quiet').map((d) => d.deliveryId)).size).toBe(2);
    expect(first).toBeDefined();
  });

  it('a channel without any post is inactive since its creation, a stable start for every scan', async () => {
    const ws = await team('/empty');
    const channel = await createChannel(t, ws.lead, { name: 'Acme Empty', rules: { cadence: { maxGapHours: 48 } } });
    const created = (await t.http.get(`/v1/channels/${channel.id}`).set(auth(ws.lead.key)).expect(200)).body
      .createdAt as string;
    await t.detector.scan();
    t.clock.advance(86_400_000);
    await t.detector.scan();
    const list = await alerts(ws.lead);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ kind: 'inactivity', channelId: channel.id, from: created });
    expect(list[0].message).toMatch(/^Nothing published or planned since the channel was created/);
    await t.worker.deliver();
    expect(mailsTo(ws.leads)).toHaveLength(2);
    expect(mailsTo(ws.leads)[0].subject).toMatch(/^Acme Empty: nothing published since /);
    t.clock.set(NOW);
  });

  it('a failing destination (SMTP down, webhook 500) is retried with backoff until delivered, without duplicating the others', async () => {
    const ws = await team('/flaky');
    await createChannel(t, ws.lead, { name: 'Acme Flaky', rules: { cadence: { maxGapHours: 48 } } });
    await smtp.stop();
    hooks.failNext(1, 500, undefined, '/flaky');
    await t.detector.scan();
    expect(await t.worker.deliver()).toMatchObject({ delivered: 0, retried: 3 });
    expect(mailsTo(ws.leads)).toHaveLength(0);
    expect(hooksAt('/flaky')).toHaveLength(0);

    // Back up, but the first message is refused (451): the webhook and one lead get theirs.
    await smtp.start();
    smtp.refuseNext(1);
    expect(await t.worker.deliver()).toMatchObject({ delivered: 0, retried: 0 }); // not due yet
    t.clock.advance(30_000);
    expect(await t.worker.deliver()).toMatchObject({ delivered: 2, retried: 1 });
    expect(mailsTo(ws.leads)).toHaveLength(1);
    expect(hooksAt('/flaky')).toHaveLength(1);

    t.clock.advance(30_000); // the second retry waits 60 s
    expect(await t.worker.deliver()).toMatchObject({ delivered: 0 });
    t.clock.advance(30_000);
    expect(await t.worker.deliver()).toMatchObject({ delivered: 1, retried: 0 });
    for (const lead of ws.leads) expect(mailsTo([lead])).toHaveLength(1);
    expect(hooksAt('/flaky')).toHaveLength(1);
    const rows = (await t.db.query(
      `SELECT d.destination, d.state, d.attempts, d.last_error FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
        WHERE a.workspace_id = $1 ORDER BY d.destination`,
      [ws.workspaceId],
    )) as { destination: string; state: string; attempts: number; last_error: string | null }[];
    expect(rows.map((r) => r.state)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(rows.map((r) => r.attempts).sort()).toEqual([2, 2, 3]);

    // Later scans and rounds send nothing more.
    t.clock.advance(3_600_000);
    await t.tick();
    expect(mailsTo(ws.leads)).toHaveLength(2);
    expect(hooksAt('/flaky')).toHaveLength(1);
    t.clock.set(NOW);
  });

  it('settings: leads only; webhook secrets are write-only; emails default to the leads', async () => {
    const ws = await seedWorkspace(t);
    const url = `/v1/workspaces/${ws.workspaceId}/alert-settings`;
    const body = { lookaheadDays: 10, webhooks: [{ url: 'https://hooks.example.com/x', secret: 'a-long-secret' }] };
    await t.http.put(url).set(auth(ws.editor.key)).send(body).expect(403);
    await t.http.put(url).set(auth(ws.viewer.key)).send(body).expect(403);
    await t.http.get(url).set(auth(ws.editor.key)).expect(403);
    const defaults = await t.http.get(url).set(auth(ws.lead.key)).expect(200);
    expect(defaults.body).toEqual({ lookaheadDays: 14, emails: null, emailEnabled: true, webhooks: [], mutes: [] });
    const saved = await t.http.put(url).set(auth(ws.lead.key)).send(body).expect(200);
    expect(saved.body.webhooks).toEqual([{ url: 'https://hooks.example.com/x', hasSecret: true }]);
    expect(JSON.stringify(saved.body)).not.toContain('a-long-secret');
    const [stored] = await t.db.query('SELECT webhooks::text AS w FROM alert_settings WHERE workspace_id = $1', [
      ws.workspaceId,
    ]);
    expect(stored.w).not.toContain('a-long-secret');
    // Listed again without a secret: the stored one is kept; null removes it.
    const kept = await t.http
      .put(url)
      .set(auth(ws.lead.key))
      .send({ lookaheadDays: 10, emails: ['Ops@Example.com'], webhooks: [{ url: 'https://hooks.example.com/x' }] })
      .expect(200);
    expect(kept.body).toMatchObject({
      emails: ['ops@example.com'],
      webhooks: [{ url: 'https://hooks.example.com/x', hasSecret: true }],
    });
    const cleared = await t.http
      .put(url)
      .set(auth(ws.lead.key))
      .send({ lookaheadDays: 10, webhooks: [{ url: 'https://hooks.example.com/x', secret: null }] })
      .expect(200);
    expect(cleared.body).toMatchObject({ emails: null, webhooks: [{ hasSecret: false }] });
    for (const bad of [
      {},
      { lookaheadDays: 0 },
      { lookaheadDays: 7, emails: ['nope'] },
      { lookaheadDays: 7, webhooks: [{ url: 'ftp://x' }] },
      { lookaheadDays: 7, webhooks: 'x' },
    ]) {
      const res = await t.http.put(url).set(auth(ws.lead.key)).send(bad).expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
    // Another workspace's lead sees nothing of it.
    const other = await seedWorkspace(t);
    await t.http.get(url).set(auth(other.lead.key)).expect(404);
    await t.http.get(`/v1/workspaces/${ws.workspaceId}/alerts`).set(auth(other.lead.key)).expect(404);
    await t.http.get(`/v1/workspaces/${ws.workspaceId}/alerts?status=nope`).set(auth(ws.lead.key)).expect(400);
  });

  it('a muted channel: alerts are listed but not delivered; unmuted, new alerts go out again', async () => {
    const ws = await team('/muted');
    const channel = await createChannel(t, ws.lead, {
      name: 'Acme Muted',
      approvalRequired: false,
      rules: { cadence: { postsPerWeek: 2 } },
    });
    await t.http
      .put(`/v1/channels/${channel.id}/alert-mute`)
      .set(auth(ws.editor.key))
      .send({ until: '2027-01-20T00:00:00+01:00' })
      .expect(403);
    const muted = await t.http
      .put(`/v1/channels/${channel.id}/alert-mute`)
      .set(auth(ws.lead.key))
      .send({ until: '2027-01-20T00:00:00+01:00' })
      .expect(200);
    expect(muted.body).toEqual({ channelId: channel.id, until: '2027-01-19T23:00:00.000Z' });
    await t.tick();
    const list = await alerts(ws.lead, '?status=open');
    expect(list.map((a) => a.kind)).toEqual(['under_cadence', 'under_cadence']);
    expect(list.map((a) => a.from).sort()).toEqual(['2027-01-03T23:00:00.000Z', '2027-01-10T23:00:00.000Z']);
    expect(mailsTo(ws.leads)).toHaveLength(0);
    expect(hooksAt('/muted')).toHaveLength(0);
    const settings = await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
      .set(auth(ws.lead.key))
      .expect(200);
    expect(settings.body.mutes).toEqual([{ channelId: channel.id, until: '2027-01-19T23:00:00.000Z' }]);

    await t.http.put(`/v1/channels/${channel.id}/alert-mute`).set(auth(ws.lead.key)).send({ until: null }).expect(200);
    await t.tick();
    expect(mailsTo(ws.leads)).toHaveLength(0); // already open while muted: not re-sent
    t.clock.set('2027-01-11T08:00:00Z'); // a new week enters the lookahead
    await t.tick();
    expect(hooksAt('/muted')).toHaveLength(1);
    expect((hooksAt('/muted')[0].json as { alert: { from: string } }).alert.from).toBe('2027-01-17T23:00:00.000Z');
    expect(mailsTo(ws.leads)).toHaveLength(2);
    t.clock.set(NOW);
  });

  it('publish_failed: a post the dispatcher fails opens an alert that is delivered', async () => {
    const ws = await team('/failed');
    const channel = await createChannel(t, ws.lead, { name: 'Acme Failing', approvalRequired: false });
    await schedule(ws.editor, channel.id, '2027-01-04T10:00:00+01:00');
    t.clock.set('2027-01-04T20:00:00Z'); // 11 hours late: beyond the 6-hour lateness limit
    await t.dispatcher.drain();
    const [alert] = await alerts(ws.lead);
    expect(alert).toMatchObject({
      kind: 'publish_failed',
      channelId: channel.id,
      from: '2027-01-04T09:00:00.000Z',
      to: '2027-01-04T20:00:00.000Z',
    });
    expect(alert.message).toMatch(/^The post scheduled for Mon 4 Jan 10:00 failed to publish \(missed\)/);
    await t.worker.deliver();
    expect(mailsTo(ws.leads).map((m) => m.subject)).toEqual([
      'Acme Failing: the post of Mon 4 Jan 10:00 failed to publish',
      'Acme Failing: the post of Mon 4 Jan 10:00 failed to publish',
    ]);
    expect(hooksAt('/failed')).toHaveLength(1);
    // A scan keeps it open while the post stays failed.
    await t.tick();
    expect((await alerts(ws.lead, '?status=open')).map((a) => a.id)).toEqual([alert.id]);
    t.clock.set(NOW);
  });

  it('publish_failed: once the failed post is handled (deleted), the next scan closes its alert and says so; other failures stay open', async () => {
    const ws = await team('/handled');
    const channel = await createChannel(t, ws.lead, { name: 'Acme Handled', approvalRequired: false });
    const handled = await schedule(ws.editor, channel.id, '2027-01-04T10:00:00+01:00');
    await schedule(ws.editor, channel.id, '2027-01-04T11:00:00+01:00');
    t.clock.set('2027-01-04T20:00:00Z'); // both beyond the 6-hour lateness limit
    await t.dispatcher.drain();
    const failures = await alerts(ws.lead, '?status=open');
    expect(failures.map((a) => a.kind)).toEqual(['publish_failed', 'publish_failed']);
    await t.worker.deliver();
    expect(hooksAt('/handled')).toHaveLength(2);
    await t.http.delete(`/v1/posts/${handled}`).set(auth(ws.editor.key)).expect(204);
    await t.tick();
    const open = await alerts(ws.lead, '?status=open');
    expect(open).toHaveLength(1);
    expect(open[0].from).toBe('2027-01-04T10:00:00.000Z');
    const [closed] = await alerts(ws.lead, '?status=resolved');
    expect(closed).toMatchObject({ kind: 'publish_failed', from: '2027-01-04T09:00:00.000Z' });
    expect(closed.resolvedAt).not.toBeNull();
    // The webhook hears of the resolution, once; further scans change nothing.
    expect(hooksAt('/handled')).toHaveLength(3);
    await t.tick();
    expect(hooksAt('/handled')).toHaveLength(3);
    expect(await alerts(ws.lead, '?status=open')).toHaveLength(1);
  });

  it('gaps across the DST change and a lookahead crossing a week boundary', async () => {
    // Wednesday 24 March 2027, 10:00 in Rome; clocks go forward on Sunday 28 March.
    t.clock.set('2027-03-24T09:00:00Z');
    const ws = await team('/dst', { lookaheadDays: 7 });
    const channel = await createChannel(t, ws.lead, {
      name: 'Acme DST',
      approvalRequired: false,
      rules: { cadence: { maxGapHours: 36, postsPerWeek: 3 } },
    });
    await schedule(ws.editor, channel.id, '2027-03-24T12:00:00+01:00');
    await schedule(ws.editor, channel.id, '2027-03-27T20:00:00+01:00');
    // Saturday 20:00 to Monday 09:00 is 37 hours on the wall clock but 36 real hours: no gap.
    const monday = await schedule(ws.editor, channel.id, '2027-03-29T09:00:00+02:00');
    await t.tick();
    const open = (await alerts(ws.lead, '?status=open')).sort(
      (a, b) => a.from.localeCompare(b.from) || a.kind.localeCompare(b.kind),
    );
    expect(open.map((a) => [a.kind, a.from, a.to])).toEqual([
      // The week of the change is 167 hours long: Monday 00:00+01:00 to Monday 00:00+02:00.
      ['under_cadence', '2027-03-21T23:00:00.000Z', '2027-03-28T22:00:00.000Z'],
      ['planned_gap', '2027-03-24T11:00:00.000Z', '2027-03-27T19:00:00.000Z'],
      // The lookahead (to Wednesday 31) crosses into the next week, which is judged whole.
      ['under_cadence', '2027-03-28T22:00:00.000Z', '2027-04-04T22:00:00.000Z'],
      ['planned_gap', '2027-03-29T07:00:00.000Z', '2027-04-04T22:00:00.000Z'],
    ]);
    expect(open[0].message).toBe(
      'Only 2 posts planned in the week of Mon 22 Mar; the channel aims for 3 a week: add one more.',
    );
    expect(open[1].message).toBe(
      'No post planned between Wed 24 Mar 12:00 and Sat 27 Mar 20:00: longer than the 36 hours the channel allows. Schedule a post before Fri 26 Mar 00:00.',
    );
    const weekMail = mailsTo([ws.leads[0]]).find(
      (m) => m.subject === 'Acme DST: 2 of 3 posts planned for the week of Mon 22 Mar',
    );
    expect(weekMail?.text).toContain(
      'When: From Mon 22 Mar 2027 00:00 (+01:00) to Mon 29 Mar 2027 00:00 (+02:00) (Europe/Rome)',
    );
    expect(weekMail?.text).toContain('Cadence: 3 posts a week');
    expect(hooksAt('/dst')).toHaveLength(4);

    // Monday 29 March, 10:00 (+02:00): the first week is over, the planned gap became history,
    // the open stretch after Monday's post reaches one week further, and a new week is judged.
    t.clock.set('2027-03-29T08:00:00Z');
    await t.tick();
    const now = (await alerts(ws.lead, '?status=open')).sort(
      (a, b) => a.from.localeCompare(b.from) || a.kind.localeCompare(b.kind),
    );
    expect(now.map((a) => [a.kind, a.from, a.to])).toEqual([
      ['under_cadence', '2027-03-28T22:00:00.000Z', '2027-04-04T22:00:00.000Z'],
      ['planned_gap', '2027-03-29T07:00:00.000Z', '2027-04-11T22:00:00.000Z'],
      ['under_cadence', '2027-04-04T22:00:00.000Z', '2027-04-11T22:00:00.000Z'],
    ]);
    expect(now[1].id).toBe(open[3].id);
    // Lapsed alerts close silently: only the new week was delivered.
    expect(hooksAt('/dst').map((d) => (d.json as { event: string }).event)).toEqual([
      'alert.opened',
      'alert.opened',
      'alert.opened',
      'alert.opened',
      'alert.opened',
    ]);
    expect(monday).toBeDefined();
    t.clock.set(NOW);
  });

  it('a planned gap that becomes overdue turns into inactivity (one new alert, no resolution sent)', async () => {
    const ws = await team('/overdue');
    const channel = await createChannel(t, ws.lead, {
      name: 'Acme Overdue',
      approvalRequired: false,
      rules: { cadence: { maxGapHours: 24 } },
    });
    await schedule(ws.editor, channel.id, '2027-01-04T10:00:00+01:00');
    await t.tick();
    expect((await alerts(ws.lead, '?status=open')).map((a) => a.kind)).toEqual(['planned_gap']);
    t.clock.set('2027-01-05T10:00:00Z'); // 25 hours after the post
    await t.tick();
    const list = await alerts(ws.lead);
    expect(list.map((a) => [a.kind, a.from, a.resolvedAt === null])).toEqual([
      ['inactivity', '2027-01-04T09:00:00.000Z', true],
      ['planned_gap', '2027-01-04T09:00:00.000Z', false],
    ]);
    expect(hooksAt('/overdue').map((d) => (d.json as { alert: { kind: string }; event: string }).alert.kind)).toEqual([
      'planned_gap',
      'inactivity',
    ]);
    t.clock.set(NOW);
  });
});
