import { Client } from 'pg';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, seedWorkspace } from '../support/fixtures';

describe('operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('serves metrics with the HTTP latency histogram by route pattern', async () => {
    const { lead } = await seedWorkspace(t);
    await t.http.get(`/v1/workspaces/${lead.workspaceId}`).set(auth(lead.key)).expect(200);
    const res = await t.http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toContain('palinsesto_http_request_duration_seconds_bucket');
    expect(res.text).toContain('route="/v1/workspaces/:wid"');
    expect(res.text).not.toContain(lead.workspaceId);
  });

  it('serves the OpenAPI document and UI', async () => {
    const doc = await t.http.get('/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/workspaces', '/v1/channels/{cid}/posts', '/v1/posts/{pid}/schedule']),
    );
    expect(doc.body.components.schemas.PostCreateDto.required).toEqual(expect.arrayContaining(['body', 'category']));
    await t.http.get('/docs').expect(200);
  });

  it('answers unknown routes, bad JSON and oversized bodies with problems', async () => {
    const missing = await t.http.get('/v1/nowhere').expect(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    const bad = await t.http
      .post('/v1/workspaces')
      .set('Content-Type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(bad.body).toMatchObject({ status: 400, title: 'Bad Request' });
    const big = await t.http
      .post('/v1/workspaces')
      .send({ name: 'x'.repeat(400_000), timezone: 'UTC', lead: { name: 'a', email: 'a@example.com' } })
      .expect(413);
    expect(big.body.status).toBe(413);
  });
});

describe('health when the database is gone', () => {
  it('answers 503 with db down', async () => {
    const t = await createTestApp();
    await t.http.get('/health').expect(200, { status: 'ok', db: 'up' });
    const dbName = (await t.db.query('SELECT current_database() AS d'))[0].d as string;
    const admin = new Client({ connectionString: process.env.PALINSESTO_TEST_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE "${dbName}" WITH (FORCE)`);
    await admin.end();
    const res = await t.http.get('/health').expect(503);
    expect(res.body).toEqual({ status: 'error', db: 'down' });
    await t.close().catch(() => undefined);
  });
});
