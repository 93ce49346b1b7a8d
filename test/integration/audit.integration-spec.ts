import { AuditService } from '../../src/audit/audit.service';
import { createTestApp, type TestApp } from '../support/test-app';
import { auth, createChannel, seedWorkspace } from '../support/fixtures';

// Monday 4 January 2027, 09:00 in Rome.
const NOW = '2027-01-04T08:00:00Z';

/** Every audit entry is written in the transaction of the change it records: both or neither. */
describe('audit trail', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(() => t.close());

  it('alert settings and mutes are audited with their change, and not changed when their entry cannot be written', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, { approvalRequired: false });
    await t.http
      .put(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
      .set(auth(ws.lead.key))
      .send({ lookaheadDays: 10 })
      .expect(200);
    await t.http
      .put(`/v1/channels/${channel.id}/alert-mute`)
      .set(auth(ws.lead.key))
      .send({ until: '2027-01-20T00:00:00Z' })
      .expect(200);
    const trail = await t.http.get(`/v1/workspaces/${ws.workspaceId}/audit`).set(auth(ws.lead.key)).expect(200);
    expect(trail.body.items.slice(0, 2)).toMatchObject([
      {
        action: 'alerts.mute',
        entityId: channel.id,
        actorMemberId: ws.lead.memberId,
        details: { until: '2027-01-20T00:00:00.000Z' },
      },
      {
        action: 'alerts.settings',
        entityId: ws.workspaceId,
        actorMemberId: ws.lead.memberId,
        details: { lookaheadDays: 10 },
      },
    ]);

    // The audit trail refuses every entry (a stand-in for a failed write): the changes roll back with it.
    await t.db.query(
      `CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$`,
    );
    await t.db.query(
      `CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()`,
    );
    try {
      await t.http
        .put(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
        .set(auth(ws.lead.key))
        .send({ lookaheadDays: 21 })
        .expect(500);
      await t.http
        .put(`/v1/channels/${channel.id}/alert-mute`)
        .set(auth(ws.lead.key))
        .send({ until: null })
        .expect(500);
    } finally {
      await t.db.query('DROP TRIGGER test_refuse_audit ON audit_events');
      await t.db.query('DROP FUNCTION test_refuse_audit()');
    }
    const settings = await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
      .set(auth(ws.lead.key))
      .expect(200);
    expect(settings.body).toMatchObject({
      lookaheadDays: 10,
      mutes: [{ channelId: channel.id, until: '2027-01-20T00:00:00.000Z' }],
    });
  });

  it('refuses an entry written outside a transaction', async () => {
    const ws = await seedWorkspace(t);
    const audit = t.app.get(AuditService);
    await expect(
      audit.record(
        { workspaceId: ws.workspaceId, memberId: ws.lead.memberId },
        { action: 'test.alone', entityType: 'workspace', entityId: ws.workspaceId },
        t.db.manager,
      ),
    ).rejects.toThrow(/outside the transaction/);
    const trail = await t.http.get(`/v1/workspaces/${ws.workspaceId}/audit`).set(auth(ws.lead.key)).expect(200);
    expect(trail.body.items.map((e: { action: string }) => e.action)).not.toContain('test.alone');
  });
});
