import type { Worker } from 'node:worker_threads';
import { FeedRenderPool } from '../../src/feeds/feed-render.pool';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';

// Feeds render in a worker thread with its own database connection: its failures are
// 503 problems, never a crash, and it ends with the app.

describe('the feed render worker', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: '2027-03-01T08:00:00Z' });
  });
  afterAll(() => t.close());

  async function feedWithPost(app: TestApp) {
    const { lead, editor } = await seedWorkspace(app);
    const channel = await createChannel(app, lead, { approvalRequired: false });
    const p = await createPost(app, editor, channel.id, {
      scheduledAt: '2027-03-10T09:00:00Z',
      body: 'Rendered off the main thread',
    });
    await app.http.post(`/v1/posts/${p.id}/schedule`).set(auth(editor.key)).send({}).expect(200);
    const f = await app.http
      .post(`/v1/workspaces/${editor.workspaceId}/feeds`)
      .set(auth(editor.key))
      .send({ name: 'Plan' })
      .expect(201);
    return {
      path: new URL(f.body.url).pathname,
      token: new URL(f.body.url).pathname.slice('/ical/'.length, -'.ics'.length),
      editor,
    };
  }

  it('answers a 503 problem, without validators, when the render fails, keeps serving, and recovers', async () => {
    const { path, token, editor } = await feedWithPost(t);
    // The worker's posts query joins categories: without the table, the render fails in the worker.
    await t.db.query('ALTER TABLE categories RENAME TO categories_away');
    try {
      const res = await t.http.get(path).expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 503,
        detail: 'The feed could not be rendered right now; the error has been logged. Try again later.',
      });
      expect(res.headers['retry-after']).toBe('60');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.etag).toBeUndefined();
      expect(res.headers['last-modified']).toBeUndefined();
      expect(JSON.stringify(res.body) + JSON.stringify(res.headers)).not.toContain(token);
      // Concurrent requests for the same document share the failure; the process goes on.
      await Promise.all([t.http.get(path).expect(503), t.http.get(path).expect(503)]);
      await t.http.get('/health').expect(200);
      await t.http.get(`/v1/workspaces/${editor.workspaceId}/feeds`).set(auth(editor.key)).expect(200);
      // HEAD renders nothing: it still answers the validators.
      await t.http.head(path).expect(200);
    } finally {
      await t.db.query('ALTER TABLE categories_away RENAME TO categories');
    }
    const ok = await t.http.get(path).expect(200);
    expect(ok.text).toContain('Rendered off the main thread');
  });

  it('reconnects after its database connection was cut', async () => {
    const { path } = await feedWithPost(t);
    await t.http.get(path).expect(200);
    const [{ count }] = await t.db.query(
      `SELECT count(*)::int AS count FROM pg_stat_activity WHERE application_name = 'palinsesto-feeds' AND datname = current_database()`,
    );
    expect(count).toBe(1);
    await t.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'palinsesto-feeds' AND datname = current_database()`,
    );
    // The cut may be noticed by the next render (503) or before it; either way the one after works.
    const next = await t.http.get(path);
    expect([200, 503]).toContain(next.status);
    const { path: other } = await feedWithPost(t);
    expect((await t.http.get(other).expect(200)).text).toContain('Rendered off the main thread');
  });

  it('ends when the app closes', async () => {
    const own = await createTestApp({ now: '2027-03-01T08:00:00Z' });
    let worker: Worker | undefined;
    try {
      const { path } = await feedWithPost(own);
      await own.http.get(path).expect(200);
      const pool = own.app.get(FeedRenderPool);
      expect(pool.threadId).toBeDefined();
      worker = (pool as unknown as { worker: Worker }).worker;
    } finally {
      const exited = worker ? new Promise<number>((resolve) => worker!.once('exit', resolve)) : undefined;
      await own.close();
      if (exited) expect(await exited).toBe(0); // ended by itself (connection closed), not terminated
    }
    expect(own.app.get(FeedRenderPool).threadId).toBeUndefined();
  });
});
