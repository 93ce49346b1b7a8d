import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, seedWorkspace } from '../support/fixtures';

const RULES = {
  enforcement: 'block',
  cadence: {
    postsPerWeek: 3,
    maxGapHours: 72,
    maxPostsPerDay: 2,
    minSpacingMinutes: 120,
    quietHours: { start: '22:00', end: '07:00' },
  },
  mix: { windowDays: 14, minPosts: 5, limits: { promotional: { max: 0.2 }, informative: { min: 0.5 } } },
};

describe('channels', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('creates a channel with rules, slots and strategy, and flags a missing strategy', async () => {
    const { lead } = await seedWorkspace(t);
    const full = await createChannel(t, lead, {
      rules: RULES,
      postingSlots: [
        { weekday: 3, time: '12:30' },
        { weekday: 1, time: '09:00' },
        { weekday: 1, time: '09:00' },
      ],
      purpose: 'Talk to designers',
      audience: 'Designers in Italy',
      goal: 'awareness',
      kpis: ['clicks to site'],
      guidelines: 'Warm, short.',
    });
    expect(full.rules).toEqual(RULES);
    expect(full.postingSlots).toEqual([
      { weekday: 1, time: '09:00' },
      { weekday: 3, time: '12:30' },
    ]);
    expect(full.missingStrategy).toEqual([]);
    expect(full.approvalRequired).toBe(true);
    const bare = await createChannel(t, lead);
    expect(bare.missingStrategy).toEqual(['purpose', 'audience', 'goal', 'kpis']);
    expect(bare.rules).toEqual({});
  });

  it('never returns credentials and stores them encrypted', async () => {
    const { lead, viewer } = await seedWorkspace(t);
    const created = await createChannel(t, lead, {
      platform: 'mastodon',
      credentials: { instanceUrl: 'http://127.0.0.1:9/', accessToken: 'super-secret-token-123' },
    });
    const responses = [
      created,
      (await t.http.get(`/v1/channels/${created.id}`).set(auth(viewer.key)).expect(200)).body,
      (await t.http.get(`/v1/workspaces/${lead.workspaceId}/channels`).set(auth(viewer.key)).expect(200)).body,
      (await t.http.patch(`/v1/channels/${created.id}`).set(auth(lead.key)).send({ name: 'Renamed' }).expect(200)).body,
    ];
    for (const body of responses) {
      const text = JSON.stringify(body);
      expect(text).not.toContain('super-secret-token-123');
      expect(text).not.toContain('credentials');
    }
    expect(created.hasCredentials).toBe(true);
    const rows = await t.db.query('SELECT credentials_ciphertext FROM channels WHERE id = $1', [created.id]);
    expect(rows[0].credentials_ciphertext).toMatch(/^v1\./);
    expect(rows[0].credentials_ciphertext).not.toContain('super-secret');
  });

  it('validates credentials per platform and creates nothing on error', async () => {
    const { lead } = await seedWorkspace(t);
    const count = async () =>
      (await t.db.query('SELECT count(*)::int AS n FROM channels WHERE workspace_id = $1', [lead.workspaceId]))[0].n;
    const res = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/channels`)
      .set(auth(lead.key))
      .send({
        name: 'B',
        platform: 'bluesky',
        handle: 'acme.bsky.social',
        timezone: 'Europe/Rome',
        credentials: { service: 'ftp://x', identifier: 'acme', token: 'x' },
      })
      .expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'credentials.appPassword',
      'credentials.service',
      'credentials.token',
    ]);
    expect(JSON.stringify(res.body)).not.toContain('"x"');
    expect(await count()).toBe(0);
  });

  it('refuses bad zones, rules and slots with one error per field', async () => {
    const { lead } = await seedWorkspace(t);
    const res = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/channels`)
      .set(auth(lead.key))
      .send({
        name: 'X',
        platform: 'myspace',
        handle: '@x',
        timezone: 'Europe/Atlantis',
        rules: {
          enforcement: 'maybe',
          cadence: { maxPostsPerDay: 0, quietHours: { start: '25:00', end: '7' } },
          mix: { windowDays: 14, limits: { promotional: { max: 2 } } },
        },
        postingSlots: [{ weekday: 8, time: '9:00' }],
      })
      .expect(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'platform',
        'timezone',
        'rules.enforcement',
        'rules.cadence.maxPostsPerDay',
        'rules.cadence.quietHours.start',
        'rules.cadence.quietHours.end',
        'rules.mix.limits',
        'postingSlots[0].weekday',
        'postingSlots[0].time',
      ]),
    );
  });

  it('answers 403 to editors and viewers who try to create, change or archive', async () => {
    const { lead, editor, viewer } = await seedWorkspace(t);
    const channel = await createChannel(t, lead);
    for (const s of [editor, viewer]) {
      await t.http
        .post(`/v1/workspaces/${lead.workspaceId}/channels`)
        .set(auth(s.key))
        .send({ name: 'x', platform: 'mock', handle: 'x', timezone: 'UTC' })
        .expect(403);
      await t.http.patch(`/v1/channels/${channel.id}`).set(auth(s.key)).send({ name: 'x' }).expect(403);
      await t.http.delete(`/v1/channels/${channel.id}`).set(auth(s.key)).expect(403);
    }
  });

  it('honours If-Match with 412 when stale and changes nothing', async () => {
    const { lead } = await seedWorkspace(t);
    const channel = await createChannel(t, lead);
    const got = await t.http.get(`/v1/channels/${channel.id}`).set(auth(lead.key)).expect(200);
    expect(got.headers.etag).toBe(`"${channel.version}"`);
    const ok = await t.http
      .patch(`/v1/channels/${channel.id}`)
      .set(auth(lead.key))
      .set('If-Match', `"${channel.version}"`)
      .send({ name: 'First' })
      .expect(200);
    expect(ok.body.version).toBe(channel.version + 1);
    const stale = await t.http
      .patch(`/v1/channels/${channel.id}`)
      .set(auth(lead.key))
      .set('If-Match', `"${channel.version}"`)
      .send({ name: 'Second' })
      .expect(412);
    expect(stale.body.status).toBe(412);
    const now = await t.http.get(`/v1/channels/${channel.id}`).set(auth(lead.key)).expect(200);
    expect(now.body.name).toBe('First');
    await t.http
      .patch(`/v1/channels/${channel.id}`)
      .set(auth(lead.key))
      .set('If-Match', 'garbage')
      .send({ name: 'x' })
      .expect(400);
  });

  it('archives with DELETE, lists active by default, and warns beyond maxActiveChannels', async () => {
    const { lead } = await seedWorkspace(t);
    const channels = [];
    for (let i = 0; i < 3; i++) {
      const c = await createChannel(t, lead, { name: `C${i}` });
      expect(c.warnings).toEqual([]);
      channels.push(c);
    }
    const fourth = await createChannel(t, lead, { name: 'C3' });
    expect(fourth.warnings).toHaveLength(1);
    expect(fourth.warnings[0]).toMatch(/4 active channels.*at most 3/);
    await t.http.delete(`/v1/channels/${fourth.id}`).set(auth(lead.key)).expect(204);
    const list = await t.http.get(`/v1/workspaces/${lead.workspaceId}/channels`).set(auth(lead.key)).expect(200);
    expect(list.body.items.map((c: { name: string }) => c.name)).toEqual(['C0', 'C1', 'C2']);
    const archived = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/channels?status=archived`)
      .set(auth(lead.key))
      .expect(200);
    expect(archived.body.items).toHaveLength(1);
    expect(archived.body.items[0]).toMatchObject({ status: 'archived', name: 'C3' });
    const back = await t.http
      .patch(`/v1/channels/${fourth.id}`)
      .set(auth(lead.key))
      .send({ status: 'active' })
      .expect(200);
    expect(back.body.warnings[0]).toMatch(/4 active channels/);
    const page1 = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/channels?limit=3`)
      .set(auth(lead.key))
      .expect(200);
    expect(page1.body.items).toHaveLength(3);
    const page2 = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/channels?limit=3&cursor=${page1.body.nextCursor}`)
      .set(auth(lead.key))
      .expect(200);
    expect(page2.body.items.map((c: { name: string }) => c.name)).toEqual(['C3']);
    await t.http.get(`/v1/workspaces/${lead.workspaceId}/channels?cursor=nonsense`).set(auth(lead.key)).expect(400);
  });

  it('keeps channels of another workspace out of reach', async () => {
    const a = await seedWorkspace(t);
    const b = await seedWorkspace(t);
    const theirs = await createChannel(t, b.lead, { name: 'Their secret channel' });
    for (const req of [
      t.http.get(`/v1/channels/${theirs.id}`),
      t.http.patch(`/v1/channels/${theirs.id}`).send({ name: 'mine' }),
      t.http.delete(`/v1/channels/${theirs.id}`),
      t.http.get(`/v1/workspaces/${b.workspaceId}/channels`),
      t.http
        .post(`/v1/workspaces/${b.workspaceId}/channels`)
        .send({ name: 'x', platform: 'mock', handle: 'x', timezone: 'UTC' }),
    ]) {
      const res = await req.set(auth(a.lead.key)).expect(404);
      expect(JSON.stringify(res.body)).not.toContain('Their secret channel');
    }
    const still = await t.http.get(`/v1/channels/${theirs.id}`).set(auth(b.lead.key)).expect(200);
    expect(still.body).toMatchObject({ name: 'Their secret channel', status: 'active' });
  });
});
