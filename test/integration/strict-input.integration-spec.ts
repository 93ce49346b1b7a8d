import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace, Session } from '../support/fixtures';

const TABLES = ['workspaces', 'members', 'categories', 'channels', 'posts', 'feeds', 'alert_settings', 'audit_events'];

/**
 * Junk that used to reach a 500 or be silently dropped: text PostgreSQL cannot hold,
 * nested arrays where objects belong, hand-made cursors, bodies that are not JSON. Each is a
 * 400 or 415 problem that changes nothing. And the headers of API answers.
 */
describe('strict input', () => {
  let t: TestApp;
  let s: { lead: Session; editor: Session; viewer: Session; workspaceId: string };
  let channelId: string;
  beforeAll(async () => {
    t = await createTestApp({ now: '2027-03-01T08:00:00Z' });
    s = await seedWorkspace(t);
    channelId = (
      await createChannel(t, s.lead, { approvalRequired: false, postingSlots: [{ weekday: 2, time: '09:30' }] })
    ).id;
  });
  afterAll(() => t.close());

  async function fingerprint(): Promise<string> {
    const parts = await Promise.all(
      TABLES.map((table) =>
        t.db.query(`SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${table} x`),
      ),
    );
    return parts.map((p) => p[0].h).join(':');
  }

  /** Sends the request, expects the status as a problem, and that nothing changed. */
  async function refused(
    status: number,
    send: () => Promise<{
      status: number;
      headers: Record<string, string>;
      body: { status?: number; title?: string; detail?: string };
    }>,
  ) {
    const before = await fingerprint();
    const res = await send();
    expect({ status: res.status, detail: res.body.detail }).toMatchObject({ status });
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.status).toBe(status);
    expect(await fingerprint()).toBe(before);
    return res;
  }

  describe('malformed UTF-16', () => {
    const lone = ['\ud800', '\udfff', 'a\ud83d', '\ude00b', 'ok \udc00\ud800 ok'];

    it('refuses lone surrogates in text and JSON fields, and in property names, with a 400', async () => {
      for (const bad of lone) {
        const posts = `/v1/channels/${channelId}/posts`;
        await refused(400, () =>
          t.http.post(posts).set(auth(s.editor.key)).send({ body: bad, category: 'informative' }),
        );
        await refused(400, () =>
          t.http
            .post(posts)
            .set(auth(s.editor.key))
            .send({ body: 'b', category: 'informative', media: [{ url: 'https://cdn.example.com/a.jpg', alt: bad }] }),
        );
        await refused(400, () =>
          t.http
            .patch(`/v1/channels/${channelId}`)
            .set(auth(s.lead.key))
            .send({ kpis: ['clicks', bad] }),
        );
        await refused(400, () =>
          t.http
            .patch(`/v1/channels/${channelId}`)
            .set(auth(s.lead.key))
            .send({ rules: { mix: { windowDays: 7, limits: { [bad]: { max: 0.2 } } } } }),
        );
        await refused(400, () =>
          t.http
            .post(`/v1/workspaces/${s.workspaceId}/channels`)
            .set(auth(s.lead.key))
            .send({
              name: 'C',
              platform: 'webhook',
              handle: 'h',
              timezone: 'UTC',
              credentials: { url: 'http://127.0.0.1:1/hook', [bad]: 1 },
            }),
        );
        await refused(400, () =>
          t.http
            .put(`/v1/workspaces/${s.workspaceId}/alert-settings`)
            .set(auth(s.lead.key))
            .send({ lookaheadDays: 7, webhooks: [{ url: 'http://127.0.0.1:1/hook', secret: `secret-${bad}` }] }),
        );
        await refused(400, () =>
          t.http
            .post('/v1/workspaces')
            .send({ name: bad, timezone: 'UTC', lead: { name: 'L', email: 'l@example.com' } }),
        );
      }
    });

    it('still takes well-formed text outside the BMP, as escapes or as it is', async () => {
      const escaped = await t.http
        .post(`/v1/channels/${channelId}/posts`)
        .set(auth(s.editor.key))
        .set('Content-Type', 'application/json')
        .send(
          '{"body":"Spring \\ud83c\\udf38 is here","category":"informative","media":[{"url":"https://cdn.example.com/a.jpg","alt":"\\ud83c\\udf38"}]}',
        )
        .expect(201);
      expect(escaped.body.body).toBe('Spring 🌸 is here');
      expect(escaped.body.media).toEqual([{ url: 'https://cdn.example.com/a.jpg', alt: '🌸' }]);
      const stored = await t.db.query(`SELECT body, media FROM posts WHERE id = $1`, [escaped.body.id]);
      expect(stored[0]).toEqual({
        body: 'Spring 🌸 is here',
        media: [{ url: 'https://cdn.example.com/a.jpg', alt: '🌸' }],
      });
    });
  });

  describe('arrays of objects', () => {
    it('refuses nested arrays where objects belong, and the channel keeps working', async () => {
      const channel = `/v1/channels/${channelId}`;
      for (const slots of [[[[]]], [[{ weekday: 2, time: '09:30' }]], [[]], [null], ['09:30'], [1]]) {
        await refused(400, () => t.http.patch(channel).set(auth(s.lead.key)).send({ postingSlots: slots }));
        await refused(400, () =>
          t.http
            .post(`/v1/workspaces/${s.workspaceId}/channels`)
            .set(auth(s.lead.key))
            .send({ name: 'C', platform: 'mock', handle: 'h', timezone: 'UTC', postingSlots: slots }),
        );
      }
      for (const media of [
        [[]],
        [[{ url: 'https://cdn.example.com/a.jpg' }]],
        [null],
        ['https://cdn.example.com/a.jpg'],
      ]) {
        await refused(400, () =>
          t.http
            .post(`/v1/channels/${channelId}/posts`)
            .set(auth(s.editor.key))
            .send({ body: 'b', category: 'informative', media }),
        );
      }
      const settings = `/v1/workspaces/${s.workspaceId}/alert-settings`;
      for (const webhooks of [[[]], [[{ url: 'http://127.0.0.1:1/hook' }]], [null]]) {
        await refused(400, () => t.http.put(settings).set(auth(s.lead.key)).send({ lookaheadDays: 7, webhooks }));
      }
      for (const emails of [[[]], [['lead@example.com']], [null], [{}]]) {
        await refused(400, () => t.http.put(settings).set(auth(s.lead.key)).send({ lookaheadDays: 7, emails }));
      }
      for (const kpis of [[['clicks']], [{}], [null]]) {
        await refused(400, () => t.http.patch(channel).set(auth(s.lead.key)).send({ kpis }));
      }
      for (const channelIds of [[[channelId]], [{}], [null]]) {
        await refused(400, () =>
          t.http.post(`/v1/workspaces/${s.workspaceId}/feeds`).set(auth(s.editor.key)).send({ name: 'F', channelIds }),
        );
      }
      // What the nested slots broke before: the next slot and the queue of the channel.
      const next = await t.http
        .get(`/v1/channels/${channelId}/next-slot?category=informative`)
        .set(auth(s.editor.key))
        .expect(200);
      expect(next.body.scheduledAt).toBe('2027-03-02T08:30:00.000Z');
      const post = await createPost(t, s.editor, channelId);
      await t.http.post(`/v1/posts/${post.id}/queue`).set(auth(s.editor.key)).send({}).expect(200);
    });
  });

  describe('cursors', () => {
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const json = (value: unknown) => b64(JSON.stringify(value));

    it('refuses hand-made and damaged cursors on every list with a 400, and follows real ones', async () => {
      for (let i = 0; i < 3; i++) await createPost(t, s.editor, channelId, { body: `Listed ${i}` });
      await createChannel(t, s.lead, { name: 'Second' });
      await t.http
        .post(`/v1/workspaces/${s.workspaceId}/feeds`)
        .set(auth(s.editor.key))
        .send({ name: 'F1' })
        .expect(201);
      await t.http
        .post(`/v1/workspaces/${s.workspaceId}/feeds`)
        .set(auth(s.editor.key))
        .send({ name: 'F2' })
        .expect(201);
      const uuid = '00000000-0000-4000-8000-000000000000';
      const lists: { path: string; key: string; at: string }[] = [
        { path: `/v1/workspaces/${s.workspaceId}/members`, key: s.lead.key, at: '' },
        { path: `/v1/workspaces/${s.workspaceId}/channels`, key: s.lead.key, at: 'createdAt' },
        { path: `/v1/channels/${channelId}/posts`, key: s.editor.key, at: 'at' },
        { path: `/v1/workspaces/${s.workspaceId}/feeds`, key: s.editor.key, at: 'createdAt' },
        { path: `/v1/workspaces/${s.workspaceId}/alerts`, key: s.lead.key, at: 'openedAt' },
        { path: `/v1/workspaces/${s.workspaceId}/audit`, key: s.lead.key, at: 'at' },
      ];
      for (const list of lists) {
        const position = (at: unknown, id: unknown = uuid) => (list.at ? { [list.at]: at, id } : { id });
        const bad = [
          '!!!',
          'a b',
          b64('not json'),
          b64('null'),
          json([uuid]),
          json('x'),
          json({}),
          json({ ...position('2027-01-01T00:00:00.000Z'), extra: 1 }),
          json(position('2027-01-01T00:00:00.000Z', 'not-a-uuid')),
          json(position('2027-01-01T00:00:00.000Z', 42)),
          json(position('2027-01-01T00:00:00.000Z', null)),
          json(position('2027-01-01T00:00:00.000Z', { $ne: null })),
          json(position('2027-01-01T00:00:00.000Z', `${uuid}' OR '1'='1`)),
          ...(list.at
            ? [
                json(position('yesterday')),
                json(position('2027-02-31T00:00:00.000Z')),
                json(position('0000-01-01T00:00:00.000Z')),
                json(position('2027-01-01')),
                json(position(1767225600000)),
                json(position(null)),
                json({ id: uuid }),
              ]
            : [json({ id: uuid, at: '2027-01-01T00:00:00.000Z' })]),
          'x'.repeat(600),
        ];
        for (const cursor of bad) {
          const res = await t.http.get(list.path).query({ cursor }).set(auth(list.key));
          expect({ path: list.path, cursor, status: res.status }).toEqual({ path: list.path, cursor, status: 400 });
          expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'cursor' })]));
        }
        // A real cursor still leads to the next page.
        const first = await t.http.get(list.path).query({ limit: 1 }).set(auth(list.key)).expect(200);
        if (first.body.nextCursor) {
          const second = await t.http
            .get(list.path)
            .query({ limit: 1, cursor: first.body.nextCursor })
            .set(auth(list.key))
            .expect(200);
          expect(second.body.items[0]).not.toEqual(first.body.items[0]);
        }
      }
    });

    it('pages through undated drafts (the "infinity" place) without a gap or a repeat', async () => {
      const c = await createChannel(t, s.lead, { name: 'Drafts' });
      const ids = new Set<string>();
      for (let i = 0; i < 3; i++) ids.add((await createPost(t, s.editor, c.id)).id);
      ids.add((await createPost(t, s.editor, c.id, { scheduledAt: '2027-04-01T09:00:00Z' })).id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await t.http
          .get(`/v1/channels/${c.id}/posts`)
          .query({ limit: 1, ...(cursor ? { cursor } : {}) })
          .set(auth(s.editor.key))
          .expect(200);
        seen.push(...page.body.items.map((p: { id: string }) => p.id));
        cursor = page.body.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.sort()).toEqual([...ids].sort());
    });
  });

  describe('bodies that are not JSON', () => {
    it('answers 415 where a body is not JSON, and the schedule keeps nothing of it', async () => {
      const post = await createPost(t, s.editor, channelId, { scheduledAt: '2027-03-09T08:30:00Z' });
      const wanted = JSON.stringify({ scheduledAt: '2027-03-16T08:30:00Z', override: { reason: 'r' } });
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/octet-stream',
      ]) {
        const res = await refused(415, () =>
          t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(s.lead.key)).set('Content-Type', type).send(wanted),
        );
        expect(res.body.title).toBe('Unsupported Media Type');
        expect(res.body.detail).toContain('application/json');
      }
      await refused(415, () =>
        t.http
          .post(`/v1/channels/${channelId}/posts`)
          .set(auth(s.editor.key))
          .type('form')
          .send({ body: 'b', category: 'informative' }),
      );
      await refused(415, () =>
        t.http
          .patch(`/v1/posts/${post.id}`)
          .set(auth(s.editor.key))
          .set('Content-Type', 'text/plain')
          .send('{"body":"x"}'),
      );
      await refused(415, () =>
        t.http
          .put(`/v1/workspaces/${s.workspaceId}/alert-settings`)
          .set(auth(s.lead.key))
          .set('Content-Type', 'text/plain')
          .send('{"lookaheadDays":7}'),
      );
      // A body without any Content-Type.
      const raw = await fetch(`${t.url}/v1/posts/${post.id}/schedule`, {
        method: 'POST',
        headers: auth(s.lead.key),
        body: new Uint8Array(Buffer.from(wanted)),
      });
      expect(raw.status).toBe(415);
      const after = await t.http.get(`/v1/posts/${post.id}`).set(auth(s.editor.key)).expect(200);
      expect(after.body).toMatchObject({ status: 'draft', scheduledAt: '2027-03-09T08:30:00.000Z' });
    });

    it('still takes JSON with a charset or a +json type, and actions without a body', async () => {
      const post = await createPost(t, s.editor, channelId, { scheduledAt: '2027-03-23T08:30:00Z' });
      await t.http
        .patch(`/v1/posts/${post.id}`)
        .set(auth(s.editor.key))
        .set('Content-Type', 'application/merge-patch+json')
        .send('{"title":"Merged"}')
        .expect(200);
      await t.http
        .patch(`/v1/posts/${post.id}`)
        .set(auth(s.editor.key))
        .set('Content-Type', 'application/json; charset=utf-8')
        .send('{"body":"Charset"}')
        .expect(200);
      // No body at all, whatever the Content-Type says.
      await t.http
        .post(`/v1/posts/${post.id}/cancel`)
        .set(auth(s.editor.key))
        .set('Content-Type', 'text/plain')
        .expect(200);
      const other = await createPost(t, s.editor, channelId);
      await t.http.post(`/v1/posts/${other.id}/submit`).set(auth(s.editor.key)).expect(200);
      const after = await t.http.get(`/v1/posts/${post.id}`).set(auth(s.editor.key)).expect(200);
      expect(after.body).toMatchObject({ title: 'Merged', body: 'Charset', status: 'cancelled' });
    });
  });

  describe('headers', () => {
    it('marks API answers nosniff and no-store, unless they carry a validator', async () => {
      const json = await t.http.get(`/v1/workspaces/${s.workspaceId}`).set(auth(s.lead.key)).expect(200);
      expect(json.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      const created = await t.http
        .post(`/v1/workspaces/${s.workspaceId}/members`)
        .set(auth(s.lead.key))
        .send({ name: 'N', email: 'nosniff@example.com', role: 'viewer' })
        .expect(201);
      expect(created.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      for (const problem of [
        await t.http.get('/v1/nowhere').expect(404),
        await t.http.get(`/v1/workspaces/${s.workspaceId}`).expect(401),
        await t.http.post(`/v1/channels/${channelId}/posts`).set(auth(s.editor.key)).send({}).expect(400),
      ]) {
        expect(problem.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      }
      for (const open of ['/health', '/ping', '/metrics', '/docs-json']) {
        expect((await t.http.get(open).expect(200)).headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
        });
      }
      // An ETag (a version for If-Match) and no Cache-Control of its own: revalidated on use.
      const post = await createPost(t, s.editor, channelId);
      const got = await t.http.get(`/v1/posts/${post.id}`).set(auth(s.editor.key)).expect(200);
      expect(got.headers).toMatchObject({
        etag: `"${post.version}"`,
        'cache-control': 'private, no-cache',
        'x-content-type-options': 'nosniff',
      });
    });

    it('keeps the revalidation of calendars and feeds', async () => {
      const calendar = await t.http.get(`/v1/channels/${channelId}/calendar`).set(auth(s.editor.key)).expect(200);
      expect(calendar.headers).toMatchObject({
        'cache-control': 'private, no-cache',
        'x-content-type-options': 'nosniff',
      });
      await t.http
        .get(`/v1/channels/${channelId}/calendar`)
        .set(auth(s.editor.key))
        .set('If-None-Match', calendar.headers.etag)
        .expect(304);
      const feed = await t.http
        .post(`/v1/workspaces/${s.workspaceId}/feeds`)
        .set(auth(s.editor.key))
        .send({ name: 'Headers' })
        .expect(201);
      expect(feed.headers['cache-control']).toBe('no-store'); // it holds the secret url
      const ical = await t.http.get(new URL(feed.body.url).pathname).expect(200);
      expect(ical.headers).toMatchObject({ 'cache-control': 'private, no-cache', 'x-content-type-options': 'nosniff' });
      await t.http.get(new URL(feed.body.url).pathname).set('If-None-Match', ical.headers.etag).expect(304);
    });

    it('forbids framing the API documentation', async () => {
      const docs = await t.http.get('/docs').expect(200);
      expect(docs.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(docs.headers['x-content-type-options']).toBe('nosniff');
      const init = await t.http.get('/docs/swagger-ui-init.js').expect(200);
      expect(init.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    });
  });
});

describe('metrics with METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789';
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ config: { metricsToken: token } });
  });
  afterAll(() => t.close());

  it('refuses without the token, and with a wrong one, and answers with it', async () => {
    const none = await t.http.get('/metrics').expect(401);
    expect(none.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.text).not.toContain('palinsesto_');
    await t.http.get('/metrics').set('Authorization', 'Basic bWV0cmljczp4').expect(401);
    for (const wrong of [`${token}x`, token.slice(0, -1), 'x', token.toUpperCase()]) {
      const res = await t.http.get('/metrics').set('Authorization', `Bearer ${wrong}`).expect(403);
      expect(res.text).not.toContain('palinsesto_');
    }
    const ok = await t.http.get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    expect(ok.text).toContain('palinsesto_http_request_duration_seconds');
    // The rest of operations stays open.
    await t.http.get('/health').expect(200);
    await t.http.get('/ping').expect(200);
  });
});
