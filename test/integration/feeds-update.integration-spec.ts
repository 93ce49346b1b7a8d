import ICAL from 'ical.js';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace, Session } from '../support/fixtures';

// PATCH /v1/workspaces/{wid}/feeds/{fid}: change what a feed shows, keep its url.

type Feed = {
  id: string;
  url: string;
  name: string;
  version: number;
  channelIds: string[] | null;
  includeDrafts: boolean;
  includeGaps: boolean;
  windowDays: { past: number; future: number };
};

function uids(text: string): string[] {
  const vcal = new ICAL.Component(ICAL.parse(text));
  return vcal
    .getAllSubcomponents('vevent')
    .map((c: InstanceType<typeof ICAL.Component>) => String(c.getFirstPropertyValue('uid')))
    .sort();
}

describe('changing a feed (PATCH)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: '2027-03-01T08:00:00Z' });
  });
  afterAll(() => t.close());

  const path = (s: Session, f: { id: string }) => `/v1/workspaces/${s.workspaceId}/feeds/${f.id}`;
  const patch = (s: Session, f: { id: string }, body: unknown, headers: Record<string, string> = {}) =>
    t.http
      .patch(path(s, f))
      .set(auth(s.key))
      .set(headers)
      .send(body as object);
  const ics = (url: string) => t.http.get(new URL(url).pathname);

  async function setup() {
    const ws = await seedWorkspace(t);
    const a = await createChannel(t, ws.lead, { name: 'A', approvalRequired: false });
    const b = await createChannel(t, ws.lead, { name: 'B', approvalRequired: false });
    const post = async (channelId: string, at: string) => {
      const p = await createPost(t, ws.editor, channelId, { scheduledAt: at });
      await t.http.post(`/v1/posts/${p.id}/schedule`).set(auth(ws.editor.key)).send({}).expect(200);
      return p;
    };
    const inA = await post(a.id, '2027-03-10T09:00:00Z');
    const inB = await post(b.id, '2027-03-10T10:00:00Z');
    const farA = await post(a.id, '2027-05-10T09:00:00Z');
    const draftA = await createPost(t, ws.editor, a.id, { scheduledAt: '2027-03-11T09:00:00Z' });
    const created = await t.http
      .post(`/v1/workspaces/${ws.workspaceId}/feeds`)
      .set(auth(ws.editor.key))
      .send({ name: 'Plan', channelIds: [a.id], windowDays: { past: 7, future: 30 } })
      .expect(201);
    const feed = created.body as Feed;
    const uid = (p: { id: string }) => `post-${p.id}@127.0.0.1`;
    return { ...ws, a, b, inA, inB, farA, draftA, feed, uid };
  }

  it('changes channels, drafts, gaps, window and name; the url, token and subscription stay', async () => {
    const s = await setup();
    const before = await ics(s.feed.url).expect(200);
    expect(uids(before.text)).toEqual([s.uid(s.inA)]);

    const res = await patch(s.editor, s.feed, {
      name: '  Sales plan ',
      channelIds: [s.b.id, s.a.id],
      includeDrafts: true,
      windowDays: { future: 90 },
    }).expect(200);
    expect(res.body).toMatchObject({
      id: s.feed.id,
      name: 'Sales plan',
      channelIds: [s.a.id, s.b.id].sort(),
      includeDrafts: true,
      includeGaps: false,
      windowDays: { past: 7, future: 90 },
      version: s.feed.version + 1,
    });
    expect(res.headers.etag).toBe(`"${s.feed.version + 1}"`);
    expect(res.body.url).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain(new URL(s.feed.url).pathname.slice('/ical/'.length, -'.ics'.length));

    // Same url, new content: both channels, the draft, the post 70 days ahead; a new ETag.
    const after = await ics(s.feed.url).set('If-None-Match', before.headers.etag).expect(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.text).toContain('X-WR-CALNAME:Sales plan');
    expect(uids(after.text)).toEqual([s.inA, s.inB, s.farA, s.draftA].map(s.uid).sort());
    const stored = await t.http.get(path(s.editor, s.feed)).set(auth(s.editor.key)).expect(200);
    expect(stored.body).toMatchObject(res.body);
    expect(stored.headers.etag).toBe(`"${s.feed.version + 1}"`);

    // Back to every channel (null), the window's past alone, gaps on.
    const all = await patch(s.lead, s.feed, {
      channelIds: null,
      includeDrafts: false,
      includeGaps: true,
      windowDays: { past: 0 },
    }).expect(200);
    expect(all.body).toMatchObject({
      channelIds: null,
      includeDrafts: false,
      includeGaps: true,
      windowDays: { past: 0, future: 90 },
    });
    expect(uids((await ics(s.feed.url).expect(200)).text)).toEqual([s.inA, s.inB, s.farA].map(s.uid).sort());

    // Each change is in the audit trail, with the fields it changed.
    const trail = await t.http
      .get(`/v1/workspaces/${s.workspaceId}/audit?entityId=${s.feed.id}`)
      .set(auth(s.lead.key))
      .expect(200);
    const updates = trail.body.items.filter((i: { action: string }) => i.action === 'feed.update');
    expect(updates).toHaveLength(2);
    expect(updates.map((u: { details: { changed: string[] } }) => [...u.details.changed].sort())).toEqual(
      expect.arrayContaining([
        ['channelIds', 'includeDrafts', 'name', 'windowFutureDays'],
        ['channelIds', 'includeDrafts', 'includeGaps', 'windowPastDays'],
      ]),
    );
  });

  it('changes nothing for a PATCH that asks for nothing new', async () => {
    const s = await setup();
    const same = await patch(s.editor, s.feed, {}).expect(200);
    expect(same.body.version).toBe(s.feed.version);
    const again = await patch(s.editor, s.feed, {
      name: 'Plan',
      channelIds: [s.a.id],
      windowDays: { past: 7, future: 30 },
    }).expect(200);
    expect(again.body.version).toBe(s.feed.version);
    const trail = await t.http
      .get(`/v1/workspaces/${s.workspaceId}/audit?entityId=${s.feed.id}`)
      .set(auth(s.lead.key))
      .expect(200);
    expect(trail.body.items.filter((i: { action: string }) => i.action === 'feed.update')).toHaveLength(0);
  });

  it('refuses bad input with a 400 problem naming the field, and changes nothing', async () => {
    const s = await setup();
    const other = await seedWorkspace(t);
    const theirs = await createChannel(t, other.lead, { name: 'Theirs' });
    const etag = (await ics(s.feed.url).expect(200)).headers.etag;
    const cases: [unknown, string][] = [
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ name: 42 }, 'name'],
      [{ channelIds: [] }, 'channelIds'],
      [{ channelIds: ['nope'] }, 'channelIds'],
      [{ channelIds: [theirs.id] }, 'channelIds'],
      [{ channelIds: [s.a.id, s.a.id] }, 'channelIds'],
      [{ channelIds: 'all' }, 'channelIds'],
      [{ includeDrafts: 'yes' }, 'includeDrafts'],
      [{ includeGaps: null }, 'includeGaps'],
      [{ windowDays: { past: -1 } }, 'windowDays.past'],
      [{ windowDays: { future: 0 } }, 'windowDays.future'],
      [{ windowDays: { future: 1096 } }, 'windowDays.future'],
      [{ windowDays: { past: 1.5 } }, 'windowDays.past'],
      [{ windowDays: 30 }, 'windowDays'],
      [{ url: 'https://evil.example/ical/x.ics' }, 'url'],
      [{ tokenHash: 'x' }, 'tokenHash'],
    ];
    for (const [body, field] of cases) {
      const res = await patch(s.editor, s.feed, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // An archived channel is no longer a choice.
    await t.http.delete(`/v1/channels/${s.b.id}`).set(auth(s.lead.key)).expect(204);
    expect((await patch(s.editor, s.feed, { channelIds: [s.b.id] }).expect(400)).body.errors[0].field).toBe(
      'channelIds',
    );
    const malformed = await t.http
      .patch(path(s.editor, s.feed))
      .set(auth(s.editor.key))
      .set('Content-Type', 'application/json')
      .send('{"name":');
    expect(malformed.status).toBe(400);

    const stored = await t.http.get(path(s.editor, s.feed)).set(auth(s.editor.key)).expect(200);
    expect(stored.body).toMatchObject({
      name: 'Plan',
      version: s.feed.version,
      channelIds: [s.a.id],
      windowDays: { past: 7, future: 30 },
    });
    await ics(s.feed.url).set('If-None-Match', etag).expect(304);
  });

  it('answers 412 to a stale If-Match and 400 to a malformed one', async () => {
    const s = await setup();
    const v = s.feed.version;
    await patch(s.editor, s.feed, { name: 'One' }, { 'If-Match': `"${v}"` }).expect(200);
    const stale = await patch(s.editor, s.feed, { name: 'Two' }, { 'If-Match': `"${v}"` }).expect(412);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stale.body.currentVersion).toBe(v + 1);
    await patch(s.editor, s.feed, { name: 'Two' }, { 'If-Match': 'version one' }).expect(400);
    await patch(s.editor, s.feed, { name: 'Two' }, { 'If-Match': `"${v + 1}"` }).expect(200);
    // Rotation moves the version too (the url changed).
    await t.http
      .post(`${path(s.editor, s.feed)}/rotate`)
      .set(auth(s.editor.key))
      .expect(200);
    await patch(s.editor, s.feed, { name: 'Three' }, { 'If-Match': `"${v + 2}"` }).expect(412);
    expect((await t.http.get(path(s.editor, s.feed)).set(auth(s.editor.key)).expect(200)).body.name).toBe('Two');
  });

  it('is for editors and leads of the workspace only', async () => {
    const s = await setup();
    const other = await seedWorkspace(t);
    await patch(s.viewer, s.feed, { name: 'x' }).expect(403);
    await t.http.patch(path(s.editor, s.feed)).send({ name: 'x' }).expect(401);
    await t.http.patch(path(s.editor, s.feed)).set(auth(other.lead.key)).send({ name: 'x' }).expect(404);
    await t.http
      .patch(`/v1/workspaces/${other.workspaceId}/feeds/${s.feed.id}`)
      .set(auth(other.lead.key))
      .send({ name: 'x' })
      .expect(404);
    await t.http
      .patch(`/v1/workspaces/${s.workspaceId}/feeds/not-a-uuid`)
      .set(auth(s.editor.key))
      .send({ name: 'x' })
      .expect(400);
    await t.http
      .patch(`/v1/workspaces/${s.workspaceId}/feeds/00000000-0000-4000-8000-000000000000`)
      .set(auth(s.editor.key))
      .send({ name: 'x' })
      .expect(404);
    expect((await t.http.get(path(s.editor, s.feed)).set(auth(s.editor.key)).expect(200)).body.name).toBe('Plan');
  });
});
