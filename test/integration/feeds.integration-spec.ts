import ICAL from 'ical.js';
import * as nodeIcal from 'node-ical';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace, Session } from '../support/fixtures';

// ical.js under jest's CommonJS runtime: the default import is the module object (see the renderer spec).
type IcalEvent = {
  uid: string;
  summary: string;
  description: string;
  sequence: number;
  startDate: { toJSDate(): Date };
  component: { getFirstPropertyValue(n: string): unknown; getAllProperties(n: string): { getValues(): unknown[] }[] };
};

function parseIcal(text: string) {
  const vcal = new ICAL.Component(ICAL.parse(text));
  const events = vcal
    .getAllSubcomponents('vevent')
    .map((c: InstanceType<typeof ICAL.Component>) => new ICAL.Event(c) as unknown as IcalEvent);
  const byUid = new Map(events.map((e: IcalEvent) => [e.uid, e]));
  return { vcal, events, byUid };
}

function statusOf(e: IcalEvent): string {
  return String(e.component.getFirstPropertyValue('status'));
}

function categoriesOf(e: IcalEvent): string[] {
  return e.component.getAllProperties('categories').flatMap((p) => p.getValues().map(String));
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

describe('iCal feeds', () => {
  let t: TestApp;
  let host: string;
  beforeAll(async () => {
    t = await createTestApp({ now: '2027-03-01T08:00:00Z' });
    host = '127.0.0.1';
  });
  afterAll(() => t.close());

  async function feed(s: Session, body: Record<string, unknown> = {}) {
    const res = await t.http
      .post(`/v1/workspaces/${s.workspaceId}/feeds`)
      .set(auth(s.key))
      .send({ name: 'Plan', ...body })
      .expect(201);
    return res.body as { id: string; url: string; name: string } & Record<string, unknown>;
  }

  const get = (url: string, headers: Record<string, string> = {}) => t.http.get(pathOf(url)).set(headers);

  async function scheduled(s: Session, channelId: string, at: string, body: Record<string, unknown> = {}) {
    const p = await createPost(t, s, channelId, { scheduledAt: at, ...body });
    await t.http.post(`/v1/posts/${p.id}/schedule`).set(auth(s.key)).send({}).expect(200);
    return p;
  }

  it('renders the posts of the workspace as VEVENTs that ical.js and node-ical both read', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, { name: 'Mastodon', approvalRequired: false });
    // Europe/Rome leaves CET for CEST on 2027-03-28 at 02:00: 01:30+01:00 and 03:30+02:00 are one hour apart.
    const before = await scheduled(editor, channel.id, '2027-03-28T01:30:00+01:00', {
      body: 'Spring sale, 20% off; today only\nSecond line with \\ backslash and città ü 😀 ' + 'é'.repeat(80),
      category: 'promotional',
    });
    const after = await scheduled(editor, channel.id, '2027-03-28T03:30:00+02:00', { title: 'Newsletter' });
    const draft = await createPost(t, editor, channel.id, {
      scheduledAt: '2027-03-20T09:00:00Z',
      body: 'Secret draft',
    });
    const cancelled = await scheduled(editor, channel.id, '2027-03-21T09:00:00Z');
    await t.http.post(`/v1/posts/${cancelled.id}/cancel`).set(auth(editor.key)).send({}).expect(200);
    const published = await scheduled(editor, channel.id, '2027-03-02T09:00:00Z');
    await t.db.query(
      `UPDATE posts SET status = 'published', published_at = scheduled_at, external_url = 'https://social.example/@acme/1' WHERE id = $1`,
      [published.id],
    );

    const f = await feed(editor);
    expect(f.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ical\/[A-Za-z0-9_-]{43}\.ics$/);
    const res = await get(f.url).expect(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(new Date(res.headers['last-modified']).getTime()).not.toBeNaN();
    const text = res.text;

    // RFC 5545 framing: CRLF everywhere, no line over 75 octets, no split UTF-8 character.
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of text.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(Buffer.from(text, 'utf8').toString('utf8')).not.toContain('\uFFFD');
    expect(text).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT15M');
    expect(text).toContain('X-PUBLISHED-TTL:PT15M');
    expect(text).toContain('X-WR-CALNAME:Plan');

    const { events, byUid } = parseIcal(text);
    const uid = (id: string) => `post-${id}@${host}`;
    expect(events.map((e: IcalEvent) => e.uid).sort()).toEqual(
      [before.id, after.id, cancelled.id, published.id].map(uid).sort(),
    );
    expect(byUid.has(uid(draft.id))).toBe(false); // drafts only with includeDrafts
    expect(text).not.toContain('Secret draft');

    const b = byUid.get(uid(before.id))!;
    const a = byUid.get(uid(after.id))!;
    expect(b.startDate.toJSDate().toISOString()).toBe('2027-03-28T00:30:00.000Z');
    expect(a.startDate.toJSDate().toISOString()).toBe('2027-03-28T01:30:00.000Z');
    expect(statusOf(b)).toBe('CONFIRMED');
    expect(statusOf(byUid.get(uid(cancelled.id))!)).toBe('CANCELLED');
    expect(statusOf(byUid.get(uid(published.id))!)).toBe('CONFIRMED');
    expect(byUid.get(uid(published.id))!.component.getFirstPropertyValue('url')).toBe('https://social.example/@acme/1');
    expect(categoriesOf(b)).toEqual(['Promotional']);
    expect(categoriesOf(a)).toEqual(['Informative']);
    expect(b.summary.startsWith('[Mastodon] Spring sale, 20% off; today only')).toBe(true);
    expect(a.summary).toBe('[Mastodon] Newsletter');
    // Escaping of commas, semicolons, backslashes and newlines round-trips.
    expect(b.description).toContain(
      'Spring sale, 20% off; today only\nSecond line with \\ backslash and città ü 😀 ' + 'é'.repeat(80),
    );
    expect(b.description).toContain('Category: Promotional');
    expect(b.sequence).toBe(0);

    const parsed = nodeIcal.sync.parseICS(text);
    const nodeEvents = Object.values(parsed).filter((c) => c?.type === 'VEVENT') as nodeIcal.VEvent[];
    expect(nodeEvents).toHaveLength(4);
    const nb = nodeEvents.find((e) => e.uid === uid(before.id))!;
    const na = nodeEvents.find((e) => e.uid === uid(after.id))!;
    expect(new Date(nb.start).toISOString()).toBe('2027-03-28T00:30:00.000Z');
    expect(new Date(na.start).toISOString()).toBe('2027-03-28T01:30:00.000Z');
    expect(new Date(na.end!).getTime() - new Date(na.start).getTime()).toBe(15 * 60_000);
    expect(nb.status).toBe('CONFIRMED');
    expect(nodeEvents.find((e) => e.uid === uid(cancelled.id))!.status).toBe('CANCELLED');
    expect(nb.categories).toEqual(['Promotional']);
    expect(String(nb.description)).toContain('today only\nSecond line');
  });

  it('shows drafts, reviews and approvals as TENTATIVE only with includeDrafts', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, { name: 'Blog' });
    const draft = await createPost(t, editor, channel.id, { scheduledAt: '2027-03-10T09:00:00Z' });
    const review = await createPost(t, editor, channel.id, { scheduledAt: '2027-03-11T09:00:00Z' });
    await t.http.post(`/v1/posts/${review.id}/submit`).set(auth(editor.key)).send({}).expect(200);
    const approved = await createPost(t, editor, channel.id, { scheduledAt: '2027-03-12T09:00:00Z' });
    await t.http.post(`/v1/posts/${approved.id}/submit`).set(auth(editor.key)).send({}).expect(200);
    await t.http.post(`/v1/posts/${approved.id}/approve`).set(auth(lead.key)).send({}).expect(200);
    await createPost(t, editor, channel.id, { body: 'No date yet' }); // undated: in no feed

    const plain = await feed(editor);
    expect(parseIcal((await get(plain.url).expect(200)).text).events).toHaveLength(0);
    const withDrafts = await feed(editor, { includeDrafts: true });
    const { events, byUid } = parseIcal((await get(withDrafts.url).expect(200)).text);
    expect(events).toHaveLength(3);
    for (const p of [draft, review, approved]) expect(statusOf(byUid.get(`post-${p.id}@${host}`)!)).toBe('TENTATIVE');
  });

  it('counts moves in SEQUENCE and changes the ETag with every change in scope, not outside it', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const other = await seedWorkspace(t);
    const a = await createChannel(t, lead, { name: 'A', approvalRequired: false });
    const b = await createChannel(t, lead, { name: 'B', approvalRequired: false });
    const theirs = await createChannel(t, other.lead, { name: 'Theirs', approvalRequired: false });
    const p = await scheduled(editor, a.id, '2027-03-10T09:00:00Z');
    const gone = await scheduled(editor, a.id, '2027-03-11T09:00:00Z');
    const d = await createPost(t, editor, a.id, { scheduledAt: '2027-03-12T09:00:00Z' }); // a draft
    const f = await feed(editor, { channelIds: [a.id] });

    const first = await get(f.url).expect(200);
    let etag = first.headers.etag as string;
    const expectSame = async () => {
      const r = await get(f.url, { 'If-None-Match': etag }).expect(304);
      expect(r.text ?? '').toBe('');
      expect(r.headers.etag).toBe(etag);
    };
    const expectChanged = async () => {
      await get(f.url, { 'If-None-Match': etag }).expect(200);
      const r = await get(f.url).expect(200);
      expect(r.headers.etag).not.toBe(etag);
      etag = r.headers.etag;
      return r;
    };
    await expectSame();
    await get(f.url, { 'If-None-Match': `W/${etag}, "other"` }).expect(304);

    // Outside the scope: another channel, another workspace, a draft, a post beyond the window.
    await scheduled(editor, b.id, '2027-03-10T10:00:00Z');
    await scheduled(other.editor, theirs.id, '2027-03-10T10:00:00Z');
    await t.http.patch(`/v1/posts/${d.id}`).set(auth(editor.key)).send({ body: 'Draft edited' }).expect(200);
    await createPost(t, editor, a.id, { scheduledAt: '2029-01-01T09:00:00Z' });
    await expectSame();

    // A move: SEQUENCE grows by one.
    await t.http
      .patch(`/v1/posts/${p.id}`)
      .set(auth(editor.key))
      .send({ scheduledAt: '2027-03-10T15:00:00Z' })
      .expect(200);
    const moved = await expectChanged();
    const ev = parseIcal(moved.text).byUid.get(`post-${p.id}@${host}`)!;
    expect(ev.sequence).toBe(1);
    expect(ev.startDate.toJSDate().toISOString()).toBe('2027-03-10T15:00:00.000Z');
    await expectSame();

    // An edit of the text.
    await t.http.patch(`/v1/posts/${p.id}`).set(auth(editor.key)).send({ body: 'New text' }).expect(200);
    expect((await expectChanged()).text).toContain('New text');

    // A deletion (no newer updated_at is left behind).
    await t.http.delete(`/v1/posts/${gone.id}`).set(auth(editor.key)).expect(204);
    const afterDelete = await expectChanged();
    expect(parseIcal(afterDelete.text).byUid.has(`post-${gone.id}@${host}`)).toBe(false);

    // A channel rename shows in SUMMARY.
    await t.http.patch(`/v1/channels/${a.id}`).set(auth(lead.key)).send({ name: 'A renamed' }).expect(200);
    expect((await expectChanged()).text).toContain('[A renamed]');

    // HEAD: the validators, no body.
    const head = await t.http.head(pathOf(f.url)).expect(200);
    expect(head.headers.etag).toBe(etag);
    expect(head.headers['content-type']).toBe('text/calendar; charset=utf-8');
    await t.http.head(pathOf(f.url)).set('If-None-Match', etag).expect(304);

    // If-Modified-Since with the Last-Modified just answered.
    const lm = (await get(f.url).expect(200)).headers['last-modified'];
    await get(f.url, { 'If-Modified-Since': lm }).expect(304);
  });

  it('moves the window with the clock', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const c = await createChannel(t, lead, { approvalRequired: false });
    const p = await scheduled(editor, c.id, '2027-03-05T09:00:00Z');
    const f = await feed(editor, { windowDays: { past: 1, future: 30 } });
    const r1 = await get(f.url).expect(200);
    expect(parseIcal(r1.text).events).toHaveLength(1);
    t.clock.set('2027-03-08T08:00:00Z');
    const r2 = await get(f.url, { 'If-None-Match': r1.headers.etag }).expect(200);
    expect(parseIcal(r2.text).byUid.has(`post-${p.id}@${host}`)).toBe(false);
    t.clock.set('2027-03-01T08:00:00Z');
  });

  it('answers 404 for revoked, rotated, unknown and malformed tokens alike', async () => {
    const { lead, editor } = await seedWorkspace(t);
    await createChannel(t, lead);
    const f = await feed(editor);
    await get(f.url).expect(200);

    const unknown = await t.http.get(`/ical/${'A'.repeat(43)}.ics`).expect(404);
    for (const path of [
      '/ical/abc.ics',
      `/ical/${pathOf(f.url).slice(6, -4)}`,
      `/ical/${pathOf(f.url).slice(6, -4)}x.ics`,
      '/ical/%00.ics',
    ]) {
      const r = await t.http.get(path).expect(404);
      expect(r.body.detail).toBe(unknown.body.detail);
    }

    const rotated = await t.http
      .post(`/v1/workspaces/${editor.workspaceId}/feeds/${f.id}/rotate`)
      .set(auth(editor.key))
      .expect(200);
    expect(rotated.body.url).not.toBe(f.url);
    const old = await get(f.url).expect(404);
    expect(old.body.detail).toBe(unknown.body.detail);
    await get(rotated.body.url).expect(200);

    await t.http.delete(`/v1/workspaces/${editor.workspaceId}/feeds/${f.id}`).set(auth(lead.key)).expect(204);
    const revoked = await get(rotated.body.url).expect(404);
    expect(revoked.body.detail).toBe(unknown.body.detail);
    await t.http.head(pathOf(rotated.body.url)).expect(404);
    await t.http.delete(`/v1/workspaces/${editor.workspaceId}/feeds/${f.id}`).set(auth(lead.key)).expect(404);
  });

  it('stores only a hash of the token and never lists the url', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead);
    const f = await feed(editor, {
      name: 'Sales',
      channelIds: [channel.id],
      includeGaps: false,
      windowDays: { past: 7, future: 30 },
    });
    const token = pathOf(f.url).slice('/ical/'.length, -'.ics'.length);
    expect(f).toMatchObject({
      name: 'Sales',
      channelIds: [channel.id],
      includeDrafts: false,
      includeGaps: false,
      windowDays: { past: 7, future: 30 },
    });
    const [row] = await t.db.query('SELECT token_hash FROM feeds WHERE id = $1', [f.id]);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.token_hash).not.toContain(token);
    const list = await t.http.get(`/v1/workspaces/${editor.workspaceId}/feeds`).set(auth(editor.key)).expect(200);
    expect(list.body.items.map((x: { id: string }) => x.id)).toEqual([f.id]);
    expect(list.body.nextCursor).toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(token);
    expect(list.body.items[0].url).toBeUndefined();
    const one = await t.http
      .get(`/v1/workspaces/${editor.workspaceId}/feeds/${f.id}`)
      .set(auth(editor.key))
      .expect(200);
    expect(JSON.stringify(one.body)).not.toContain(token);
  });

  it('keeps feeds to their workspace and their roles', async () => {
    const mine = await seedWorkspace(t);
    const theirs = await seedWorkspace(t);
    const myChannel = await createChannel(t, mine.lead, { name: 'Mine', approvalRequired: false });
    const theirChannel = await createChannel(t, theirs.lead, { name: 'Theirs', approvalRequired: false });
    await scheduled(mine.editor, myChannel.id, '2027-03-10T09:00:00Z', { body: 'our post' });
    await scheduled(theirs.editor, theirChannel.id, '2027-03-10T09:00:00Z', { body: 'their post' });

    await t.http
      .post(`/v1/workspaces/${mine.workspaceId}/feeds`)
      .set(auth(mine.viewer.key))
      .send({ name: 'x' })
      .expect(403);
    await t.http.get(`/v1/workspaces/${mine.workspaceId}/feeds`).set(auth(mine.viewer.key)).expect(403);
    await t.http.post(`/v1/workspaces/${mine.workspaceId}/feeds`).send({ name: 'x' }).expect(401);
    await t.http
      .post(`/v1/workspaces/${theirs.workspaceId}/feeds`)
      .set(auth(mine.editor.key))
      .send({ name: 'x' })
      .expect(404);
    const bad = await t.http
      .post(`/v1/workspaces/${mine.workspaceId}/feeds`)
      .set(auth(mine.editor.key))
      .send({ name: 'x', channelIds: [theirChannel.id] })
      .expect(400);
    expect(bad.body.errors[0].field).toBe('channelIds');
    await t.http
      .post(`/v1/workspaces/${mine.workspaceId}/feeds`)
      .set(auth(mine.editor.key))
      .send({ name: '', windowDays: { past: -1, future: 0 } })
      .expect(400);
    await t.http
      .post(`/v1/workspaces/${mine.workspaceId}/feeds`)
      .set(auth(mine.editor.key))
      .send({ name: 'x', channelIds: ['nope'] })
      .expect(400);

    const f = await feed(mine.editor);
    const text = (await get(f.url).expect(200)).text;
    expect(text).toContain('our post');
    expect(text).not.toContain('their post');
    expect(text).not.toContain('Theirs');
    await t.http.get(`/v1/workspaces/${mine.workspaceId}/feeds/${f.id}`).set(auth(theirs.lead.key)).expect(404);
    await t.http.delete(`/v1/workspaces/${theirs.workspaceId}/feeds/${f.id}`).set(auth(theirs.lead.key)).expect(404);
    await t.http
      .post(`/v1/workspaces/${theirs.workspaceId}/feeds/${f.id}/rotate`)
      .set(auth(theirs.lead.key))
      .expect(404);
    await t.http.delete(`/v1/workspaces/${mine.workspaceId}/feeds/${f.id}`).set(auth(mine.viewer.key)).expect(403);
    await get(f.url).expect(200);

    // An archived channel leaves the feed (and comes back when re-activated).
    await t.http.delete(`/v1/channels/${myChannel.id}`).set(auth(mine.lead.key)).expect(204);
    expect((await get(f.url).expect(200)).text).not.toContain('our post');
  });

  it('shows planned gaps as free events with includeGaps', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, {
      name: 'Gappy',
      approvalRequired: false,
      rules: { enforcement: 'warn', cadence: { maxGapHours: 48 } },
    });
    await scheduled(editor, channel.id, '2027-03-02T09:00:00Z');
    await scheduled(editor, channel.id, '2027-03-09T09:00:00Z');
    const f = await feed(editor, { includeGaps: true });
    const text = (await get(f.url).expect(200)).text;
    const gaps = parseIcal(text).events.filter((e: IcalEvent) => e.uid.startsWith('gap-'));
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps[0].summary).toBe('No post planned on Gappy');
    expect(String(gaps[0].component.getFirstPropertyValue('transp'))).toBe('TRANSPARENT');
    const plain = await feed(editor);
    expect((await get(plain.url).expect(200)).text).not.toContain('No post planned');
  });

  it("adds each post's rule violations to its DESCRIPTION, as the channel calendar judges them", async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, {
      name: 'Ruled',
      approvalRequired: false,
      rules: { enforcement: 'warn', cadence: { minSpacingMinutes: 60, maxPostsPerDay: 2 } },
    });
    const a = await scheduled(editor, channel.id, '2027-03-10T09:00:00Z');
    const b = await scheduled(editor, channel.id, '2027-03-10T09:30:00Z');
    const c = await scheduled(editor, channel.id, '2027-03-10T15:00:00Z');
    const quiet = await scheduled(editor, channel.id, '2027-03-15T09:00:00Z');
    const draft = await createPost(t, editor, channel.id, { scheduledAt: '2027-03-10T09:10:00Z' });
    const f = await feed(editor, {
      channelIds: [channel.id],
      includeDrafts: true,
      windowDays: { past: 7, future: 30 },
    });
    const { byUid } = parseIcal((await get(f.url).expect(200)).text);
    const description = (id: string) => byUid.get(`post-${id}@${host}`)!.description;

    // The same judgement as the calendar over the feed's window (today 00:00Z - 7 days .. + 31 days).
    const cal = await t.http
      .get(`/v1/channels/${channel.id}/calendar?from=2027-02-22T00:00:00Z&to=2027-04-01T00:00:00Z`)
      .set(auth(editor.key))
      .expect(200);
    const expected = new Map<string, string[]>();
    for (const v of cal.body.violations as { message: string; postIds: string[] }[]) {
      for (const id of v.postIds) expected.set(id, [...(expected.get(id) ?? []), v.message]);
    }
    expect(cal.body.violations.map((v: { rule: string }) => v.rule).sort()).toEqual(['maxPostsPerDay', 'minSpacing']);
    for (const p of [a, b, c]) {
      expect(description(p.id)).toContain(
        '\nRule violations:\n' +
          expected
            .get(p.id)!
            .map((m) => `- ${m}`)
            .join('\n'),
      );
    }
    expect(expected.get(a.id)).toHaveLength(2); // too close to b, and one of three on the day
    expect(description(a.id)).toContain(
      '- The posts at Wed 10 Mar 10:00 and Wed 10 Mar 10:30 are 30 minutes apart (at least 60): move one of them.',
    );
    expect(expected.get(c.id)).toHaveLength(1);
    expect(description(quiet.id)).not.toContain('Rule violations');
    expect(description(draft.id)).not.toContain('Rule violations'); // not in the plan: judged once scheduled
  });

  it('changes the ETag whenever violations change: a post outside the window, the rules, the zone', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, {
      name: 'Spaced',
      approvalRequired: false,
      rules: { enforcement: 'warn', cadence: { minSpacingMinutes: 60 } },
    });
    const plain = await createChannel(t, lead, { name: 'Plain', approvalRequired: false });
    // The window ends 2027-04-01T00:00Z (today + 30 days, whole days).
    const last = await scheduled(editor, channel.id, '2027-03-31T23:50:00Z');
    const f = await feed(editor, { channelIds: [channel.id], windowDays: { past: 7, future: 30 } });
    const first = await get(f.url).expect(200);
    let etag = first.headers.etag as string;
    const description = (text: string) => parseIcal(text).byUid.get(`post-${last.id}@${host}`)!.description;
    expect(description(first.text)).not.toContain('Rule violations');

    // Another channel, without rules, is outside the scope.
    await scheduled(editor, plain.id, '2027-03-31T23:55:00Z');
    await get(f.url, { 'If-None-Match': etag }).expect(304);

    // A post just beyond the window: not in the feed, but 20 minutes after the last one in it.
    const beyond = await scheduled(editor, channel.id, '2027-04-01T00:10:00Z');
    const r1 = await get(f.url, { 'If-None-Match': etag }).expect(200);
    expect(r1.headers.etag).not.toBe(etag);
    etag = r1.headers.etag;
    expect(parseIcal(r1.text).byUid.has(`post-${beyond.id}@${host}`)).toBe(false);
    expect(description(r1.text)).toContain(
      'Rule violations:\n- The posts at Thu 1 Apr 01:50 and Thu 1 Apr 02:10 are 20 minutes apart (at least 60)',
    );
    await get(f.url, { 'If-None-Match': etag }).expect(304);

    // The channel's zone: the same violation, told in New York time.
    await t.http
      .patch(`/v1/channels/${channel.id}`)
      .set(auth(lead.key))
      .send({ timezone: 'America/New_York' })
      .expect(200);
    const r2 = await get(f.url, { 'If-None-Match': etag }).expect(200);
    expect(r2.headers.etag).not.toBe(etag);
    etag = r2.headers.etag;
    expect(description(r2.text)).toContain('- The posts at Wed 31 Mar 19:50 and Wed 31 Mar 20:10 are 20 minutes apart');

    // The rules: no spacing rule, no violation.
    await t.http
      .patch(`/v1/channels/${channel.id}`)
      .set(auth(lead.key))
      .send({ rules: { enforcement: 'warn', cadence: { maxPostsPerDay: 5 } } })
      .expect(200);
    const r3 = await get(f.url, { 'If-None-Match': etag }).expect(200);
    expect(r3.headers.etag).not.toBe(etag);
    expect(description(r3.text)).not.toContain('Rule violations');
  });

  it('renders a large feed once for concurrent requests and serves it from the cache after', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, { approvalRequired: false });
    await t.db.query(
      `INSERT INTO posts (workspace_id, channel_id, status, body, category, scheduled_at)
       SELECT $1, $2, 'scheduled', 'Post number ' || i, 'informative', timestamptz '2027-03-02T00:00:00Z' + i * interval '5 minutes'
         FROM generate_series(1, 3000) AS i`,
      [lead.workspaceId, channel.id],
    );
    const f = await feed(editor);
    const [r1, r2, r3] = await Promise.all([get(f.url).expect(200), get(f.url).expect(200), get(f.url).expect(200)]);
    expect(r1.text).toBe(r2.text);
    expect(r1.text).toBe(r3.text);
    expect(parseIcal(r1.text).events).toHaveLength(3000);
    const warm = await get(f.url).expect(200);
    expect(warm.text).toBe(r1.text);
    expect(warm.headers['content-length']).toBe(String(Buffer.byteLength(r1.text)));
  });
});
