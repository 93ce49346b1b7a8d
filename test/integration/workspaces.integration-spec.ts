import { createTestApp, TestApp } from '../support/test-app';
import { auth, seedWorkspace } from '../support/fixtures';

describe('workspaces, members and categories', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('creates a workspace with a lead key shown once and only its hash stored', async () => {
    const res = await t.http
      .post('/v1/workspaces')
      .send({ name: 'Acme', timezone: 'America/New_York', lead: { name: 'Ada', email: 'Ada@Example.com' } })
      .expect(201);
    expect(res.body.apiKey).toMatch(/^pal_[A-Za-z0-9_-]{43}$/);
    expect(res.body.member).toMatchObject({ role: 'lead', email: 'ada@example.com' });
    expect(res.body.workspace).toMatchObject({
      name: 'Acme',
      timezone: 'America/New_York',
      settings: { maxActiveChannels: 3 },
    });
    const rows = await t.db.query('SELECT api_key_hash FROM members WHERE id = $1', [res.body.member.id]);
    expect(rows[0].api_key_hash).not.toContain(res.body.apiKey.slice(4));
    expect(rows[0].api_key_hash).toMatch(/^[0-9a-f]{64}$/);
    const me = await t.http.get('/v1/me').set(auth(res.body.apiKey)).expect(200);
    expect(me.body).toMatchObject({ role: 'lead', name: 'Ada', workspace: { id: res.body.workspace.id } });
  });

  it('starts every workspace with the three default categories', async () => {
    const { lead } = await seedWorkspace(t);
    const res = await t.http.get(`/v1/workspaces/${lead.workspaceId}/categories`).set(auth(lead.key)).expect(200);
    expect(res.body.items.map((c: { key: string }) => c.key)).toEqual(
      ['engagement', 'informative', 'promotional'].sort(),
    );
  });

  it('refuses bad signups with field errors and creates nothing', async () => {
    const before = await t.db.query('SELECT count(*)::int AS n FROM workspaces');
    const res = await t.http
      .post('/v1/workspaces')
      .send({ name: '', timezone: 'Mars/Olympus', lead: { name: 'X', email: 'not-an-email' }, extra: 1 })
      .expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['name', 'timezone', 'lead.email', 'extra']));
    const after = await t.db.query('SELECT count(*)::int AS n FROM workspaces');
    expect(after[0].n).toBe(before[0].n);
  });

  it('answers 401 without a key, with an unknown key and with a malformed header', async () => {
    const { lead } = await seedWorkspace(t);
    const path = `/v1/workspaces/${lead.workspaceId}`;
    const none = await t.http.get(path).expect(401);
    expect(none.body).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(none.headers['www-authenticate']).toBe('Bearer');
    await t.http
      .get(path)
      .set(auth('pal_' + 'A'.repeat(43)))
      .expect(401);
    await t.http.get(path).set('Authorization', 'Basic abc').expect(401);
  });

  it('lets only leads add members; viewers and editors get 403', async () => {
    const { lead, editor, viewer } = await seedWorkspace(t);
    const body = { name: 'New', email: 'new@example.com', role: 'editor' };
    await t.http.post(`/v1/workspaces/${lead.workspaceId}/members`).set(auth(editor.key)).send(body).expect(403);
    await t.http.post(`/v1/workspaces/${lead.workspaceId}/members`).set(auth(viewer.key)).send(body).expect(403);
    const ok = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/members`)
      .set(auth(lead.key))
      .send(body)
      .expect(201);
    expect(ok.body.member.role).toBe('editor');
    const dup = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/members`)
      .set(auth(lead.key))
      .send(body)
      .expect(409);
    expect(dup.body.errors[0].field).toBe('email');
    const list = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/members?limit=2`)
      .set(auth(viewer.key))
      .expect(200);
    expect(list.body.items).toHaveLength(2);
    const next = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/members?limit=2&cursor=${list.body.nextCursor}`)
      .set(auth(viewer.key))
      .expect(200);
    expect(next.body.items).toHaveLength(2);
    expect(next.body.nextCursor).toBeNull();
    const ids = [...list.body.items, ...next.body.items].map((m: { id: string }) => m.id);
    expect(new Set(ids).size).toBe(4);
  });

  it('revokes a key: the member is gone and the key answers 401', async () => {
    const { lead, editor } = await seedWorkspace(t);
    await t.http.get('/v1/me').set(auth(editor.key)).expect(200);
    await t.http
      .delete(`/v1/workspaces/${lead.workspaceId}/members/${editor.memberId}`)
      .set(auth(lead.key))
      .expect(204);
    await t.http.get('/v1/me').set(auth(editor.key)).expect(401);
    await t.http
      .delete(`/v1/workspaces/${lead.workspaceId}/members/${editor.memberId}`)
      .set(auth(lead.key))
      .expect(404);
  });

  it('never removes the last lead', async () => {
    const { lead } = await seedWorkspace(t);
    const res = await t.http
      .delete(`/v1/workspaces/${lead.workspaceId}/members/${lead.memberId}`)
      .set(auth(lead.key))
      .expect(409);
    expect(res.body.detail).toMatch(/last lead/);
    await t.http.get('/v1/me').set(auth(lead.key)).expect(200);
  });

  it('isolates workspaces: another workspace answers 404 and shows nothing', async () => {
    const a = await seedWorkspace(t);
    const b = await seedWorkspace(t);
    const res = await t.http.get(`/v1/workspaces/${b.workspaceId}`).set(auth(a.lead.key)).expect(404);
    expect(JSON.stringify(res.body)).not.toContain(b.workspaceId);
    await t.http.get(`/v1/workspaces/${b.workspaceId}/members`).set(auth(a.lead.key)).expect(404);
    await t.http
      .post(`/v1/workspaces/${b.workspaceId}/members`)
      .set(auth(a.lead.key))
      .send({ name: 'X', email: 'x@example.com', role: 'lead' })
      .expect(404);
    await t.http
      .delete(`/v1/workspaces/${b.workspaceId}/members/${b.editor.memberId}`)
      .set(auth(a.lead.key))
      .expect(404);
    await t.http.get('/v1/me').set(auth(b.editor.key)).expect(200);
  });

  it('adds categories (lead only), refusing duplicates and bad keys', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const path = `/v1/workspaces/${lead.workspaceId}/categories`;
    await t.http.post(path).set(auth(editor.key)).send({ key: 'events', name: 'Events' }).expect(403);
    const ok = await t.http
      .post(path)
      .set(auth(lead.key))
      .send({ key: 'events', name: 'Events', color: '#ff8800' })
      .expect(201);
    expect(ok.body).toEqual({ key: 'events', name: 'Events', color: '#ff8800' });
    await t.http.post(path).set(auth(lead.key)).send({ key: 'events', name: 'Again' }).expect(409);
    const bad = await t.http
      .post(path)
      .set(auth(lead.key))
      .send({ key: 'Bad Key!', name: 'x', color: 'red' })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['color', 'key']);
  });

  it('changes settings with PATCH (lead only)', async () => {
    const { lead, editor } = await seedWorkspace(t);
    await t.http
      .patch(`/v1/workspaces/${lead.workspaceId}`)
      .set(auth(editor.key))
      .send({ settings: { maxActiveChannels: 5 } })
      .expect(403);
    const res = await t.http
      .patch(`/v1/workspaces/${lead.workspaceId}`)
      .set(auth(lead.key))
      .send({ settings: { maxActiveChannels: 5 } })
      .expect(200);
    expect(res.body.settings.maxActiveChannels).toBe(5);
    await t.http
      .patch(`/v1/workspaces/${lead.workspaceId}`)
      .set(auth(lead.key))
      .send({ settings: { maxActiveChannels: 0 } })
      .expect(400);
  });
});

describe('signup with SIGNUP_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { signupToken: 'let-me-in-please-1234' } });
  });
  afterAll(() => t.close());

  it('needs the signup token', async () => {
    const body = { name: 'Acme', timezone: 'Europe/Rome', lead: { name: 'Ada', email: 'ada@example.com' } };
    await t.http.post('/v1/workspaces').send(body).expect(401);
    await t.http.post('/v1/workspaces').set('Authorization', 'Bearer wrong-token-wrong-token').send(body).expect(401);
    await t.http.post('/v1/workspaces').set('Authorization', 'Bearer let-me-in-please-1234').send(body).expect(201);
  });
});
