import fc from 'fast-check';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';

/**
 * Property: whatever a client sends to the create and patch endpoints, the answer is
 * never a 5xx, and a refused request (4xx) changes nothing in the database.
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
      TABLES.map((table) => t.db.query(`SELECT md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS h FROM ${table} x`)),
    );
    return parts.map((p) => p[0].h).join(':');
  }

  const junkValue = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 50 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('', ' ', '\u0000', '2027-13-45T99:99:99Z', '../../etc/passwd', "'; DROP TABLE posts; --", 'x'.repeat(20000), 'Europe/Nowhere', '25:61'),
    fc.array(fc.anything(), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 10 }), fc.anything(), { maxKeys: 5 }),
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
    return fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: anything, weight: 1 }, { arbitrary: raw, weight: 1 });
  }

  it('never answers 5xx and refusals change nothing', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, { approvalRequired: false });
    const post = await createPost(t, editor, channel.id, { scheduledAt: '2027-03-01T09:00:00Z' });
    const wid = lead.workspaceId;
    const targets: { method: 'post' | 'patch' | 'put'; path: string; key: string; valid: Record<string, unknown> }[] = [
      { method: 'post', path: '/v1/workspaces', key: '', valid: { name: 'W', timezone: 'Europe/Rome', lead: { name: 'L', email: 'l@example.com' } } },
      { method: 'patch', path: `/v1/workspaces/${wid}`, key: lead.key, valid: { name: 'W2', settings: { maxActiveChannels: 4 } } },
      { method: 'post', path: `/v1/workspaces/${wid}/members`, key: lead.key, valid: { name: 'M', email: 'm@example.com', role: 'editor' } },
      { method: 'post', path: `/v1/workspaces/${wid}/categories`, key: lead.key, valid: { key: 'news', name: 'News', color: '#aabbcc' } },
      {
        method: 'post', path: `/v1/workspaces/${wid}/channels`, key: lead.key,
        valid: { name: 'C', platform: 'webhook', handle: 'h', timezone: 'UTC', credentials: { url: 'http://127.0.0.1:1/hook' }, rules: { cadence: { maxPostsPerDay: 2 } }, postingSlots: [{ weekday: 1, time: '09:00' }] },
      },
      { method: 'patch', path: `/v1/channels/${channel.id}`, key: lead.key, valid: { name: 'C2', rules: { mix: { windowDays: 7, limits: { promotional: { max: 0.3 } } } } } },
      { method: 'post', path: `/v1/channels/${channel.id}/posts`, key: editor.key, valid: { body: 'b', category: 'informative', link: 'https://example.com', scheduledAt: '2027-03-02T09:00:00Z' } },
      { method: 'patch', path: `/v1/posts/${post.id}`, key: editor.key, valid: { body: 'b2', category: 'engagement', scheduledAt: '2027-03-03T09:00:00Z' } },
      { method: 'post', path: `/v1/posts/${post.id}/schedule`, key: lead.key, valid: { scheduledAt: '2027-03-04T09:00:00Z', override: { reason: 'r' } } },
      { method: 'post', path: `/v1/channels/${channel.id}/posts/validate`, key: editor.key, valid: { scheduledAt: '2027-03-05T09:00:00Z', category: 'informative' } },
      { method: 'post', path: `/v1/posts/${post.id}/queue`, key: editor.key, valid: { after: '2027-03-06T09:00:00Z' } },
      { method: 'post', path: `/v1/workspaces/${wid}/feeds`, key: editor.key, valid: { name: 'F', channelIds: [channel.id], includeDrafts: true, includeGaps: true } },
      {
        method: 'put', path: `/v1/workspaces/${wid}/alert-settings`, key: lead.key,
        valid: { lookaheadDays: 14, emails: ['lead@example.com'], webhooks: [{ url: 'http://127.0.0.1:1/hook', secret: 's' }] },
      },
    ];
    for (const target of targets) {
      await fc.assert(
        fc.asyncProperty(bodies(target.valid), fc.option(fc.string({ maxLength: 12 }), { nil: undefined }), async (body, ifMatch) => {
          const before = await fingerprint();
          let req = t.http[target.method](target.path).set('Content-Type', 'application/json');
          if (target.key) req = req.set(auth(target.key));
          if (ifMatch !== undefined && target.method === 'patch') req = req.set('If-Match', ifMatch.replace(/[^\x20-\x7e]/g, ''));
          const res = await req.send(body);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) {
            expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
            expect(await fingerprint()).toBe(before);
          }
        }),
        { numRuns: 60 },
      );
    }
  });
});
