import { createSecondInstance, createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, seedWorkspace, Session } from '../support/fixtures';

describe('Idempotency-Key on creates, across two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let s: { lead: Session; editor: Session; viewer: Session; workspaceId: string };
  let channelId: string;
  beforeAll(async () => {
    a = await createTestApp({ now: '2027-03-01T08:00:00Z' });
    b = await createSecondInstance(a);
    s = await seedWorkspace(a);
    channelId = (await createChannel(a, s.lead, { approvalRequired: false })).id;
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const postsPath = () => `/v1/channels/${channelId}/posts`;
  const countPosts = async (where = '') =>
    Number((await a.db.query(`SELECT count(*)::int AS n FROM posts ${where}`))[0].n);
  const create = (
    app: TestApp,
    key: string | undefined,
    body: Record<string, unknown>,
    who: Session = s.editor,
    path = postsPath(),
  ) => {
    const req = app.http.post(path).set(auth(who.key));
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
  };

  it('answers a repeat with the first answer and creates nothing, on either instance', async () => {
    const body = { body: 'Once only', category: 'informative', scheduledAt: '2027-03-10T09:00:00Z' };
    const before = await countPosts();
    const first = await create(a, 'k-repeat', body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    for (const app of [b, a, b]) {
      const again = await create(app, 'k-repeat', body).expect(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers).toMatchObject({
        etag: first.headers.etag,
        'idempotent-replayed': 'true',
        'cache-control': first.headers['cache-control'],
      });
    }
    // Members in another order are the same body; a quoted key is the same key.
    const reordered = await create(b, '"k-repeat"', {
      scheduledAt: body.scheduledAt,
      category: 'informative',
      body: 'Once only',
    }).expect(201);
    expect(reordered.body.id).toBe(first.body.id);
    expect(await countPosts()).toBe(before + 1);
    // Without a key, each request creates.
    await create(a, undefined, body).expect(201);
    await create(b, undefined, body).expect(201);
    expect(await countPosts()).toBe(before + 3);
  });

  it('answers 422 to the same key with another body or path, creating nothing', async () => {
    const first = await create(a, 'k-other', { body: 'First', category: 'informative' }).expect(201);
    const before = await countPosts();
    const other = await create(b, 'k-other', { body: 'Second', category: 'informative' }).expect(422);
    expect(other.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(other.body.detail).toMatch(/Idempotency-Key/);
    const second = await createChannel(a, s.lead, { name: 'Second channel' });
    await create(
      a,
      'k-other',
      { body: 'First', category: 'informative' },
      s.editor,
      `/v1/channels/${second.id}/posts`,
    ).expect(422);
    expect(await countPosts()).toBe(before);
    // The first answer is still the answer of the first request.
    expect((await create(b, 'k-other', { body: 'First', category: 'informative' }).expect(201)).body.id).toBe(
      first.body.id,
    );
  });

  it("keeps each caller's keys apart", async () => {
    const body = { body: 'Mine', category: 'informative' };
    const mine = await create(a, 'k-shared', body).expect(201);
    const lead = await create(b, 'k-shared', body, s.lead).expect(201);
    expect(lead.body.id).not.toBe(mine.body.id);
    expect(lead.headers['idempotent-replayed']).toBeUndefined();
    const theirs = await seedWorkspace(a);
    const theirChannel = await createChannel(a, theirs.lead);
    const them = await create(a, 'k-shared', body, theirs.editor, `/v1/channels/${theirChannel.id}/posts`).expect(201);
    expect(them.body.workspaceId).toBe(theirs.workspaceId);
    // Another caller cannot reach my answer with my key and my request either.
    await create(b, 'k-shared', body, theirs.lead).expect(404);
    // And their own key, used on their channel, is theirs: another request under it is a 422.
    await create(b, 'k-shared', body, theirs.editor).expect(422);
  });

  it('creates once when the same key arrives on both instances at the same time', async () => {
    const body = { body: 'Raced', category: 'informative', scheduledAt: '2027-03-11T09:00:00Z' };
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => create(i % 2 ? a : b, 'k-race', body)));
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(201));
    expect(new Set(answers.map((r) => r.body.id)).size).toBe(1);
    expect(answers.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect(await countPosts(`WHERE body = 'Raced'`)).toBe(1);
  });

  it('frees the key when the request fails, so that a repeat runs again', async () => {
    const invalid = { body: 'Bad', category: 'no such category' };
    await create(a, 'k-fail', invalid).expect(400);
    await create(b, 'k-fail', invalid).expect(400);
    const unknown = { body: 'Bad', category: 'nosuchcategory' };
    const refused = await create(a, 'k-fail', unknown);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    expect(await a.db.query(`SELECT key FROM idempotency_keys WHERE key = 'k-fail'`)).toEqual([]);
    const fixed = await create(b, 'k-fail', { body: 'Good', category: 'informative' }).expect(201);
    expect((await create(a, 'k-fail', { body: 'Good', category: 'informative' }).expect(201)).body.id).toBe(
      fixed.body.id,
    );
  });

  it('replays secrets shown once to their caller, and keeps them encrypted', async () => {
    const member = { name: 'Nina', email: 'nina@example.com', role: 'editor' };
    const path = `/v1/workspaces/${s.workspaceId}/members`;
    const first = await a.http
      .post(path)
      .set(auth(s.lead.key))
      .set('Idempotency-Key', 'k-member')
      .send(member)
      .expect(201);
    const again = await b.http
      .post(path)
      .set(auth(s.lead.key))
      .set('Idempotency-Key', 'k-member')
      .send(member)
      .expect(201);
    expect(again.body).toEqual(first.body);
    await b.http.get('/v1/me').set(auth(again.body.apiKey)).expect(200);
    expect(
      Number((await a.db.query(`SELECT count(*)::int AS n FROM members WHERE email = 'nina@example.com'`))[0].n),
    ).toBe(1);

    const feedPath = `/v1/workspaces/${s.workspaceId}/feeds`;
    const feed = await a.http
      .post(feedPath)
      .set(auth(s.editor.key))
      .set('Idempotency-Key', 'k-feed')
      .send({ name: 'Sales' })
      .expect(201);
    const feedAgain = await b.http
      .post(feedPath)
      .set(auth(s.editor.key))
      .set('Idempotency-Key', 'k-feed')
      .send({ name: 'Sales' })
      .expect(201);
    expect(feedAgain.body.url).toBe(feed.body.url);
    await b.http.get(new URL(feed.body.url).pathname).expect(200);
    expect(Number((await a.db.query(`SELECT count(*)::int AS n FROM feeds WHERE name = 'Sales'`))[0].n)).toBe(1);

    const stored: { response: string }[] = await a.db.query(
      `SELECT response FROM idempotency_keys WHERE key IN ('k-member', 'k-feed')`,
    );
    expect(stored).toHaveLength(2);
    const token = new URL(feed.body.url).pathname.slice('/ical/'.length, -'.ics'.length);
    for (const { response } of stored) {
      expect(response).toMatch(/^v1\./);
      for (const secret of [first.body.apiKey, token, 'nina@example.com', 'Sales'])
        expect(response).not.toContain(secret);
    }
  });

  it('makes channels and categories idempotent too', async () => {
    const channel = { name: 'Idempotent channel', platform: 'mock', handle: '@idem', timezone: 'Europe/Rome' };
    const path = `/v1/workspaces/${s.workspaceId}/channels`;
    const first = await a.http
      .post(path)
      .set(auth(s.lead.key))
      .set('Idempotency-Key', 'k-channel')
      .send(channel)
      .expect(201);
    expect(
      (await b.http.post(path).set(auth(s.lead.key)).set('Idempotency-Key', 'k-channel').send(channel).expect(201))
        .body,
    ).toEqual(first.body);
    expect(
      Number((await a.db.query(`SELECT count(*)::int AS n FROM channels WHERE name = 'Idempotent channel'`))[0].n),
    ).toBe(1);
    const category = { key: 'behind_the_scenes', name: 'Behind the scenes' };
    const catPath = `/v1/workspaces/${s.workspaceId}/categories`;
    const made = await a.http
      .post(catPath)
      .set(auth(s.lead.key))
      .set('Idempotency-Key', 'k-category')
      .send(category)
      .expect(201);
    // Without the key a repeat is a conflict; with it, the first answer.
    expect(
      (await b.http.post(catPath).set(auth(s.lead.key)).set('Idempotency-Key', 'k-category').send(category).expect(201))
        .body,
    ).toEqual(made.body);
    await b.http.post(catPath).set(auth(s.lead.key)).send(category).expect(409);
  });

  it('refuses a key that is not one, creating nothing', async () => {
    const before = await countPosts();
    for (const key of ['', 'x'.repeat(256), 'two words', 'naïve', '""']) {
      const res = await create(a, key, { body: 'Key shape', category: 'informative' });
      expect({ key, status: res.status }).toEqual({ key, status: 400 });
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
    }
    expect(await countPosts()).toBe(before);
  });

  it('answers 409 while another request holds the key, and takes over a key whose holder died', async () => {
    const body = { body: 'Held', category: 'informative' };
    // What an instance that died in the middle of a request leaves behind: a locked key.
    const fingerprint = (await create(a, 'k-probe', body).expect(201),
    await a.db.query(`SELECT fingerprint FROM idempotency_keys WHERE key = 'k-probe'`))[0].fingerprint;
    const now = a.clock.now();
    await a.db.query(
      `INSERT INTO idempotency_keys (scope, key, fingerprint, response, locked_until, created_at, expires_at) VALUES ($1, 'k-held', $2, NULL, $3, $4, $5)`,
      [
        `member:${s.editor.memberId}`,
        fingerprint,
        new Date(now.getTime() + 30_000),
        now,
        new Date(now.getTime() + 86_400_000),
      ],
    );
    const before = await countPosts(`WHERE body = 'Held'`);
    const busy = await create(b, 'k-held', body).expect(409);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.body.detail).toMatch(/still being processed/);
    expect(await countPosts(`WHERE body = 'Held'`)).toBe(before);
    a.clock.advance(31_000);
    const taken = await create(b, 'k-held', body).expect(201);
    expect((await create(a, 'k-held', body).expect(201)).body.id).toBe(taken.body.id);
    expect(await countPosts(`WHERE body = 'Held'`)).toBe(before + 1);
  });

  it('forgets a key after 24 hours', async () => {
    const body = { body: 'Tomorrow again', category: 'informative' };
    const first = await create(a, 'k-day', body).expect(201);
    a.clock.advance(23 * 3_600_000);
    expect((await create(b, 'k-day', body).expect(201)).body.id).toBe(first.body.id);
    a.clock.advance(3_600_000 + 1000);
    const later = await create(b, 'k-day', body).expect(201);
    expect(later.body.id).not.toBe(first.body.id);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
  });
});
