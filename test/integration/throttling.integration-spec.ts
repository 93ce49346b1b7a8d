import { createSecondInstance, createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, seedWorkspace } from '../support/fixtures';

/** A well-formed api key that nobody holds, or junk in the Bearer. */
function wrongKey(i: number): string {
  return i % 3 === 0 ? `junk-${i}` : `pal_${String(i).padStart(43, 'x')}`;
}

const LIMIT = 30; // AUTH_FAILURES_PER_MINUTE's default

function metric(text: string, name: string, kind: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{kind="${kind}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('throttling wrong credentials per client address', () => {
  let t: TestApp;
  let other: TestApp;
  const proxied = { trustProxy: ['loopback'] };
  beforeAll(async () => {
    t = await createTestApp({ config: proxied });
    other = await createSecondInstance(t, proxied);
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  const from = (ip: string) => ({ 'X-Forwarded-For': ip });

  it('answers 429 with Retry-After to a burst of 300 wrong api keys, across instances, and never refuses a right key', async () => {
    const { lead, workspaceId } = await seedWorkspace(t);
    const path = `/v1/workspaces/${workspaceId}`;
    const burst = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        t.http
          .get(path)
          .set(from('203.0.113.7'))
          .set(auth(wrongKey(i))),
      ),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(300 - LIMIT);
    for (const res of burst.filter((r) => r.status === 429)) {
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 429,
        title: 'Too Many Requests',
        type: 'https://palinsesto.dev/problems/rate_limited',
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(120);
    }

    // A right key works from another address, and from the throttled one too.
    await t.http.get(path).set(from('198.51.100.9')).set(auth(lead.key)).expect(200);
    await t.http.get(path).set(from('203.0.113.7')).set(auth(lead.key)).expect(200);
    await other.http.get(path).set(from('203.0.113.7')).set(auth(lead.key)).expect(200);
    // A wrong key from another address is a plain 401.
    await t.http
      .get(path)
      .set(from('198.51.100.9'))
      .set(auth(wrongKey(1)))
      .expect(401);
    // The other instance shares the count.
    const elsewhere = await other.http
      .get(path)
      .set(from('203.0.113.7'))
      .set(auth(wrongKey(2)))
      .expect(429);
    expect(Number(elsewhere.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await other.http
      .get(path)
      .set(from('198.51.100.10'))
      .set(auth(wrongKey(2)))
      .expect(401);

    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metric(metrics, 'palinsesto_credential_failures_total', 'api_key')).toBe(301);
    expect(metric(metrics, 'palinsesto_throttled_requests_total', 'api_key')).toBe(300 - LIMIT);

    // Once the window has slid by, the address may try again (and is counted again).
    t.clock.advance(2 * 60_000);
    await t.http
      .get(path)
      .set(from('203.0.113.7'))
      .set(auth(wrongKey(4)))
      .expect(401);
    await other.http
      .get(path)
      .set(from('203.0.113.7'))
      .set(auth(wrongKey(5)))
      .expect(401);
  });

  it('counts an IPv6 client by its /64', async () => {
    const { workspaceId } = await seedWorkspace(t);
    const path = `/v1/workspaces/${workspaceId}`;
    for (let i = 1; i <= LIMIT; i++) {
      await t.http
        .get(path)
        .set(from(`2001:db8:7:7::${i.toString(16)}`))
        .set(auth(wrongKey(i)))
        .expect(401);
    }
    await t.http
      .get(path)
      .set(from('2001:db8:7:7:ffff:1:2:3'))
      .set(auth(wrongKey(0)))
      .expect(429);
    await t.http
      .get(path)
      .set(from('2001:db8:7:8::1'))
      .set(auth(wrongKey(0)))
      .expect(401);
  });

  it('answers 429 to a burst of wrong feed tokens, and the right feed url still works', async () => {
    const { lead, editor, workspaceId } = await seedWorkspace(t);
    await createChannel(t, lead);
    const feed = await t.http
      .post(`/v1/workspaces/${workspaceId}/feeds`)
      .set(auth(editor.key))
      .send({ name: 'Plan' })
      .expect(201);
    const right = new URL(feed.body.url).pathname;
    const wrong = (i: number) => (i % 2 === 0 ? `/ical/${String(i).padStart(42, 'A')}A.ics` : `/ical/nope-${i}.ics`);
    const burst = await Promise.all(
      Array.from({ length: 300 }, (_, i) => t.http.get(wrong(i)).set(from('192.0.2.44'))),
    );
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(300 - LIMIT);
    expect(Number(burst.find((r) => r.status === 429)!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await t.http.head(wrong(7)).set(from('192.0.2.44')).expect(429);
    await other.http.get(wrong(8)).set(from('192.0.2.44')).expect(429);

    await t.http.get(right).set(from('192.0.2.44')).expect(200);
    await t.http.get(right).set(from('192.0.2.45')).expect(200);
    await t.http.get(wrong(9)).set(from('192.0.2.45')).expect(404);
    const metrics = (await t.http.get('/metrics').expect(200)).text;
    expect(metric(metrics, 'palinsesto_throttled_requests_total', 'feed_token')).toBe(300 - LIMIT + 1);
  });

  it('costs a right key no write', async () => {
    const { lead, workspaceId } = await seedWorkspace(t);
    const before = await t.db.query(`SELECT count(*)::int AS n FROM throttle_counters`);
    for (let i = 0; i < 20; i++)
      await t.http.get(`/v1/workspaces/${workspaceId}`).set(from('198.51.100.77')).set(auth(lead.key)).expect(200);
    const after = await t.db.query(`SELECT count(*)::int AS n FROM throttle_counters`);
    expect(after[0].n).toBe(before[0].n);
    expect(await t.db.query(`SELECT key FROM throttle_counters WHERE key LIKE '%198.51.100.77'`)).toEqual([]);
  });
});

describe('throttling without TRUST_PROXY', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('counts the peer address and believes no X-Forwarded-For', async () => {
    const { workspaceId } = await seedWorkspace(t);
    for (let i = 0; i < LIMIT; i++) {
      await t.http
        .get(`/v1/workspaces/${workspaceId}`)
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .set(auth(wrongKey(i)))
        .expect(401);
    }
    await t.http
      .get(`/v1/workspaces/${workspaceId}`)
      .set('X-Forwarded-For', '198.51.100.1')
      .set(auth(wrongKey(99)))
      .expect(429);
    expect(await t.db.query(`SELECT key, hits FROM throttle_counters`)).toEqual([
      { key: 'api_key:127.0.0.1', hits: LIMIT + 1 },
    ]);
  });
});
