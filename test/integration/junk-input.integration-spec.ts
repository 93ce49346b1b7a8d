import fc from 'fast-check';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';

/**
 * Property: whatever a client sends to the create and patch endpoints, the answer is
 * never a 5xx, and a refused request (4xx) changes nothing in the database. Text with a
 * lone surrogate is a 400 wherever it sits, a nested array where objects or strings belong
 * is a 400, a body that is not JSON is a 415, and a hand-made cursor is at most a 400.
 */
describe('junk input', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const TABLES = ['workspaces', 'members', 'categories', 'channels', 'posts', 'feeds', 'alert_settings'];

  async function fingerprint(): Promise<string> {
    const parts = await Promise.all(
      TABLES.map((table) =>
        t.db.query(`SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${table} x`),
      ),
    );
    return parts.map((p) => p[0].h).join(':');
  }

  /** Text with one lone surrogate (UTF-16 no PostgreSQL JSON column holds), e.g. "ab\ud800c". */
  const lonelyText = fc
    .tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 8 }))
    .map(([a, unit, b]) => a + String.fromCharCode(unit) + b);

  const junkValue = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '2027-13-45T99:99:99Z',
      '../../etc/passwd',
      "'; DROP TABLE posts; --",
      'x'.repeat(20000),
      'Europe/Nowhere',
      '25:61',
    ),
    fc.array(fc.anything(), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.anything(), { maxKeys: 5 }),
    lonelyText,
    fc.constantFrom([[[]]], [[]], [null], [[{ weekday: 1, time: '09:00' }]], [['a@example.com']]),
  );

  /** A valid body with some fields replaced by junk, or pure junk. */
  function bodies(valid: Record<string, unknown>) {
    const keys = Object.keys(valid).concat(['extra', '__proto__', 'constructor']);
    const mutated = fc
      .array(fc.tuple(fc.constantFrom(...keys), junkValue), { minLength: 1, maxLength: 3 })
      .map((pairs) => {
        const body: Record<string, unknown> = JSON.parse(JSON.stringify(valid));
        for (const [k, v] of pairs) body[k] = v;
        return JSON.stringify(body);
      });
    const anything = fc.anything().map((v) => JSON.stringify(v ?? null) ?? 'null');
    const raw = fc.string({ maxLength: 200 });
    return fc.oneof(
      { arbitrary: mutated, weight: 4 },
      { arbitrary: anything, weight: 1 },
      { arbitrary: raw, weight: 1 },
    );
  }

  /** Every place in a JSON value: [] is the value itself; a path ends at a member or an element. */
  function pathsOf(value: unknown, path: (string | number)[] = []): (string | number)[][] {
    const here = [path];
    if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => pathsOf(v, [...path, i])));
    if (value !== null && typeof value === 'object')
      return here.concat(Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...path, k])));
    return here;
  }

  function setAt(root: unknown, path: (string | number)[], change: (value: unknown) => unknown): unknown {
    if (path.length === 0) return change(root);
    const copy = JSON.parse(JSON.stringify(root)) as Record<string | number, unknown>;
    let node = copy;
    for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    node[last] = change(node[last]);
    return copy;
  }

  /** The valid body with a lone surrogate somewhere: as a value, inside a text, or as a member name. */
  function lonely(valid: Record<string, unknown>) {
    return fc
      .tuple(fc.constantFrom(...pathsOf(valid)), lonelyText, fc.constantFrom('value', 'inside', 'name'))
      .map(([path, text, how]) =>
        JSON.stringify(
          setAt(valid, path, (v) => {
            if (how === 'inside' && typeof v === 'string') return v + text;
            if (how === 'name' && v !== null && typeof v === 'object' && !Array.isArray(v)) return { ...v, [text]: 1 };
            return text;
          }),
        ),
      );
  }

  /** The valid body with one of its arrays' elements wrapped in arrays, or replaced by junk that is no element. */
  function nested(valid: Record<string, unknown>) {
    const arrays = pathsOf(valid).filter(
      (p) =>
        p.length > 0 && Array.isArray(p.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], valid)),
    );
    if (arrays.length === 0) return null;
    const wrap = fc.constantFrom(
      (xs: unknown[]) => xs.map((x) => [x]),
      (xs: unknown[]) => [xs],
      (xs: unknown[]) => [[[]], ...xs],
      (xs: unknown[]) => [...xs, [[]]],
      (xs: unknown[]) => [...xs, null],
      (xs: unknown[]) => [...xs, [xs[0]]],
    );
    return fc
      .tuple(fc.constantFrom(...arrays), wrap)
      .map(([path, f]) => JSON.stringify(setAt(valid, path, (xs) => f(xs as unknown[]))));
  }

  const CONTENT_TYPES = [
    'application/json',
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/xml',
  ];
  const isJson = (type: string) => type.startsWith('application/json');
  const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '');

  it('never answers 5xx and refusals change nothing', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, {
      approvalRequired: false,
      postingSlots: [{ weekday: 2, time: '09:30' }],
    });
    const post = await createPost(t, editor, channel.id, { scheduledAt: '2027-03-01T09:00:00Z' });
    const queued = await createPost(t, editor, channel.id);
    const wid = lead.workspaceId;
    const targets: { method: 'post' | 'patch' | 'put'; path: string; key: string; valid: Record<string, unknown> }[] = [
      {
        method: 'post',
        path: '/v1/workspaces',
        key: '',
        valid: { name: 'W', timezone: 'Europe/Rome', lead: { name: 'L', email: 'l@example.com' } },
      },
      {
        method: 'patch',
        path: `/v1/workspaces/${wid}`,
        key: lead.key,
        valid: { name: 'W2', settings: { maxActiveChannels: 4 } },
      },
      {
        method: 'post',
        path: `/v1/workspaces/${wid}/members`,
        key: lead.key,
        valid: { name: 'M', email: 'm@example.com', role: 'editor' },
      },
      {
        method: 'post',
        path: `/v1/workspaces/${wid}/categories`,
        key: lead.key,
        valid: { key: 'news', name: 'News', color: '#aabbcc' },
      },
      {
        method: 'post',
        path: `/v1/workspaces/${wid}/channels`,
        key: lead.key,
        valid: {
          name: 'C',
          platform: 'webhook',
          handle: 'h',
          timezone: 'UTC',
          kpis: ['clicks'],
          credentials: { url: 'http://127.0.0.1:1/hook' },
          rules: { cadence: { maxPostsPerDay: 2 } },
          postingSlots: [{ weekday: 1, time: '09:00' }],
        },
      },
      {
        method: 'patch',
        path: `/v1/channels/${channel.id}`,
        key: lead.key,
        valid: {
          name: 'C2',
          kpis: ['signups'],
          rules: { mix: { windowDays: 7, limits: { promotional: { max: 0.3 } } } },
          postingSlots: [
            { weekday: 2, time: '09:30' },
            { weekday: 4, time: '10:00' },
          ],
        },
      },
      {
        method: 'post',
        path: `/v1/channels/${channel.id}/posts`,
        key: editor.key,
        valid: {
          body: 'b',
          category: 'informative',
          link: 'https://example.com',
          media: [{ url: 'https://cdn.example.com/a.jpg', alt: 'A' }],
          scheduledAt: '2027-03-02T09:00:00Z',
        },
      },
      {
        method: 'patch',
        path: `/v1/posts/${post.id}`,
        key: editor.key,
        valid: {
          body: 'b2',
          category: 'engagement',
          media: [{ url: 'https://cdn.example.com/b.jpg' }],
          scheduledAt: '2027-03-03T09:00:00Z',
        },
      },
      {
        method: 'post',
        path: `/v1/posts/${post.id}/schedule`,
        key: lead.key,
        valid: { scheduledAt: '2027-03-04T09:00:00Z', override: { reason: 'r' } },
      },
      {
        method: 'post',
        path: `/v1/channels/${channel.id}/posts/validate`,
        key: editor.key,
        valid: { scheduledAt: '2027-03-05T09:00:00Z', category: 'informative' },
      },
      { method: 'post', path: `/v1/posts/${post.id}/queue`, key: editor.key, valid: { after: '2027-03-06T09:00:00Z' } },
      {
        method: 'post',
        path: `/v1/workspaces/${wid}/feeds`,
        key: editor.key,
        valid: { name: 'F', channelIds: [channel.id], includeDrafts: true, includeGaps: true },
      },
      {
        method: 'put',
        path: `/v1/workspaces/${wid}/alert-settings`,
        key: lead.key,
        valid: {
          lookaheadDays: 14,
          emails: ['lead@example.com'],
          webhooks: [{ url: 'http://127.0.0.1:1/hook', secret: 'secret-s' }],
        },
      },
    ];
    for (const target of targets) {
      const nestedBodies = nested(target.valid);
      const body = fc.oneof(
        {
          arbitrary: bodies(target.valid).map((text) => ({ text, expect: undefined as number | undefined })),
          weight: 6,
        },
        { arbitrary: lonely(target.valid).map((text) => ({ text, expect: 400 })), weight: 2 },
        ...(nestedBodies ? [{ arbitrary: nestedBodies.map((text) => ({ text, expect: 400 })), weight: 2 }] : []),
      );
      await fc.assert(
        fc.asyncProperty(
          body,
          fc.constantFrom(...CONTENT_TYPES),
          fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
          fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
          async ({ text, expect: expected }, type, ifMatch, idempotencyKey) => {
            const before = await fingerprint();
            let req = t.http[target.method](target.path).set('Content-Type', type);
            if (target.key) req = req.set(auth(target.key));
            if (ifMatch !== undefined && target.method === 'patch') req = req.set('If-Match', printable(ifMatch));
            if (idempotencyKey !== undefined && target.method === 'post')
              req = req.set('Idempotency-Key', printable(idempotencyKey));
            const res = await req.send(text);
            expect(res.status).toBeLessThan(500);
            const keyed = idempotencyKey !== undefined && target.method === 'post';
            if (!isJson(type) && text !== '') expect(res.status).toBe(415);
            // A key already used with another request is a 422 before the body is validated.
            else if (expected !== undefined)
              expect({ body: text, status: res.status === 422 && keyed ? expected : res.status }).toEqual({
                body: text,
                status: expected,
              });
            if (res.status >= 400) {
              expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
              expect(await fingerprint()).toBe(before);
            }
          },
        ),
        { numRuns: 60 },
      );
    }
    // Nothing stored on the way breaks the channel's next slot, its queue or its calendar.
    await t.http.get(`/v1/channels/${channel.id}`).set(auth(editor.key)).expect(200);
    expect(
      (await t.http.get(`/v1/channels/${channel.id}/next-slot?category=informative`).set(auth(editor.key))).status,
    ).toBeLessThan(500);
    expect((await t.http.post(`/v1/posts/${queued.id}/queue`).set(auth(editor.key)).send({})).status).toBeLessThan(500);
    await t.http.get(`/v1/channels/${channel.id}/calendar`).set(auth(editor.key)).expect(200);
    await t.http.get(`/v1/workspaces/${wid}/calendar`).set(auth(editor.key)).expect(200);
  });

  it('answers a hand-made cursor with a page or a 400, never a 5xx', async () => {
    const { lead, editor, workspaceId } = await seedWorkspace(t);
    const channel = await createChannel(t, lead);
    await createPost(t, editor, channel.id);
    const b64 = (text: string) => Buffer.from(text).toString('base64url');
    const lists = [
      { path: `/v1/workspaces/${workspaceId}/members`, at: undefined },
      { path: `/v1/workspaces/${workspaceId}/channels`, at: 'createdAt' },
      { path: `/v1/channels/${channel.id}/posts`, at: 'at' },
      { path: `/v1/workspaces/${workspaceId}/feeds`, at: 'createdAt' },
      { path: `/v1/workspaces/${workspaceId}/alerts`, at: 'openedAt' },
      { path: `/v1/workspaces/${workspaceId}/audit`, at: 'at' },
    ];
    const instantish = fc.oneof(
      junkValue,
      fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
      fc.constantFrom('infinity', '-infinity', '0000-01-01T00:00:00.000Z'),
    );
    const idish = fc.oneof(junkValue, fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000'));
    for (const list of lists) {
      const position = list.at ? fc.record({ [list.at]: instantish, id: idish }) : fc.record({ id: idish });
      const cursor = fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.anything().map((v) => b64(JSON.stringify(v ?? null) ?? 'null')),
        position.map((p) => b64(JSON.stringify(p))),
        fc
          .tuple(position, fc.dictionary(fc.string({ maxLength: 6 }), junkValue, { minKeys: 1, maxKeys: 2 }))
          .map(([p, more]) => b64(JSON.stringify({ ...p, ...more }))),
      );
      await fc.assert(
        fc.asyncProperty(cursor, fc.option(fc.integer({ min: -5, max: 300 }), { nil: undefined }), async (c, limit) => {
          const before = await fingerprint();
          const res = await t.http
            .get(list.path)
            .query({ cursor: c, ...(limit !== undefined ? { limit } : {}) })
            .set(auth(lead.key));
          // Node itself refuses a request line beyond its 16 KB of headers, before the app.
          if (res.status === 431) expect(c.length).toBeGreaterThan(16_000);
          else expect([200, 400]).toContain(res.status);
          if (res.status === 400) expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(await fingerprint()).toBe(before);
        }),
        { numRuns: 40 },
      );
    }
  });
});
