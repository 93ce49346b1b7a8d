import { PostsService } from '../../src/posts/posts.service';
import { fingerprintOf, postsInScopeQuery, type PostInScopeRow, type PostsScope } from '../../src/posts/posts.queries';
import { POST_STATUSES, type PostStatus } from '../../src/posts/post-state.machine';
import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';

// A feed answers 304 when the fingerprint of its posts, aggregated in SQL without reading
// them (PostsService.fingerprintInScope), equals the one its render computed over the rows
// it rendered (fingerprintOf over postsInScopeQuery, in the render worker). Both are defined
// in src/posts/posts.queries.ts; here they are compared on real data.

describe('posts in a scope and their fingerprint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: '2027-03-01T08:00:00Z' });
  });
  afterAll(() => t.close());

  async function rendered(scope: PostsScope) {
    const q = postsInScopeQuery(scope);
    const rows: PostInScopeRow[] = await t.db.query(q.text, q.values);
    return { rows, fingerprint: fingerprintOf(rows) };
  }

  it('the aggregate and the rows agree, for every scope, before and after writes', async () => {
    const ws = await seedWorkspace(t);
    const a = await createChannel(t, ws.lead, { approvalRequired: false });
    const b = await createChannel(t, ws.lead, { approvalRequired: false });
    const other = await seedWorkspace(t);
    const theirs = await createChannel(t, other.lead, { approvalRequired: false });
    const times = [
      '2027-03-02T09:00:00Z',
      '2027-03-05T09:00:00Z',
      '2027-03-10T23:59:59.999Z',
      '2027-03-11T00:00:00Z',
      '2027-04-01T09:00:00Z',
    ];
    const ids: string[] = [];
    for (const [i, at] of times.entries()) {
      for (const channel of [a, b]) {
        const p = await createPost(t, ws.editor, channel.id, {
          scheduledAt: at,
          body: `Post ${i}`,
          category: i % 2 ? 'promotional' : 'informative',
        });
        if (i % 2 === 0) await t.http.post(`/v1/posts/${p.id}/schedule`).set(auth(ws.editor.key)).send({}).expect(200);
        ids.push(p.id);
      }
    }
    await createPost(t, ws.editor, a.id, { body: 'An undated draft' });
    await createPost(t, other.editor, theirs.id, { scheduledAt: times[1] });
    // Some written more than once (versions above 1), one in every other state.
    await t.db.query(`UPDATE posts SET body = body || '.', version = version + 2 WHERE id = ANY($1)`, [
      ids.slice(0, 3),
    ]);
    await t.db.query(`UPDATE posts SET status = 'published' WHERE id = $1`, [ids[4]]);
    await t.db.query(`UPDATE posts SET status = 'cancelled' WHERE id = $1`, [ids[5]]);
    await t.db.query(`UPDATE posts SET status = 'failed' WHERE id = $1`, [ids[6]]);

    const march = { from: new Date('2027-03-01T00:00:00Z'), to: new Date('2027-03-11T00:00:00Z') };
    const published: PostStatus[] = ['scheduled', 'publishing', 'published', 'failed', 'cancelled'];
    const scopes: PostsScope[] = [
      { workspaceId: ws.workspaceId, channelIds: [a.id, b.id], ...march, statuses: POST_STATUSES },
      { workspaceId: ws.workspaceId, channelIds: [a.id, b.id], ...march, statuses: published },
      {
        workspaceId: ws.workspaceId,
        channelIds: [b.id],
        from: march.from,
        to: new Date('2027-05-01T00:00:00Z'),
        statuses: ['draft'],
      },
      // Another workspace's channel is not in this workspace's scope.
      { workspaceId: ws.workspaceId, channelIds: [a.id, theirs.id], ...march, statuses: POST_STATUSES },
      {
        workspaceId: ws.workspaceId,
        channelIds: [a.id],
        from: new Date('2027-06-01T00:00:00Z'),
        to: new Date('2027-07-01T00:00:00Z'),
        statuses: POST_STATUSES,
      },
    ];
    const posts = t.app.get(PostsService);
    const before = [];
    for (const scope of scopes) {
      const { rows, fingerprint } = await rendered(scope);
      expect(await posts.fingerprintInScope(scope)).toEqual(fingerprint);
      before.push(fingerprint);
      expect(rows.every((r) => scope.channelIds.includes(r.channel_id) && scope.statuses.includes(r.status))).toBe(
        true,
      );
    }
    expect(before.map((f) => f.count)).toEqual([6, 4, 2, 3, 0]);

    // A write to a post in scope (every writer bumps the version) moves both alike; so does a deletion.
    await t.db.query(`UPDATE posts SET title = 'Edited', version = version + 1, updated_at = now() WHERE id = $1`, [
      ids[0],
    ]);
    await t.db.query(`DELETE FROM posts WHERE id = $1`, [ids[2]]);
    for (const [i, scope] of scopes.entries()) {
      const { fingerprint } = await rendered(scope);
      expect(await posts.fingerprintInScope(scope)).toEqual(fingerprint);
      if (i < 2) expect(fingerprint).not.toEqual(before[i]);
    }
    expect(await posts.fingerprintInScope({ ...scopes[0], channelIds: [] })).toEqual({
      count: 0,
      newest: 0,
      versions: 0,
    });
  });
});
