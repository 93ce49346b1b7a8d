import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';

describe('posts and their lifecycle', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: '2027-01-04T08:00:00Z' });
  });
  afterAll(() => t.close());

  async function setup(channelBody: Record<string, unknown> = {}) {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, channelBody);
    return { ...ws, channel };
  }

  it('walks draft -> in_review -> approved -> scheduled with the right roles, audited', async () => {
    const { lead, editor, channel } = await setup();
    const post = await createPost(t, editor, channel.id, { scheduledAt: '2027-01-05T10:00:00+01:00' });
    expect(post).toMatchObject({ status: 'draft', scheduledAt: '2027-01-05T09:00:00.000Z', category: 'informative' });
    const submitted = await t.http.post(`/v1/posts/${post.id}/submit`).set(auth(editor.key)).expect(200);
    expect(submitted.body.status).toBe('in_review');
    await t.http.post(`/v1/posts/${post.id}/approve`).set(auth(editor.key)).expect(403);
    const approved = await t.http.post(`/v1/posts/${post.id}/approve`).set(auth(lead.key)).expect(200);
    expect(approved.body.status).toBe('approved');
    const scheduled = await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(editor.key)).send({}).expect(200);
    expect(scheduled.body).toMatchObject({
      status: 'scheduled',
      scheduledAt: '2027-01-05T09:00:00.000Z',
      violations: [],
    });
    const trail = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/audit?entityId=${post.id}`)
      .set(auth(lead.key))
      .expect(200);
    expect(trail.body.items.map((e: { action: string }) => e.action)).toEqual([
      'post.schedule',
      'post.approve',
      'post.submit',
      'post.create',
    ]);
    expect(trail.body.items[1].actorMemberId).toBe(lead.memberId);
    await t.http.get(`/v1/workspaces/${lead.workspaceId}/audit`).set(auth(editor.key)).expect(403);
  });

  it('answers 409 to illegal transitions and leaves the post as it was', async () => {
    const { lead, editor, channel } = await setup();
    const post = await createPost(t, editor, channel.id, { scheduledAt: '2027-01-05T09:00:00Z' });
    const res = await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(lead.key)).send({}).expect(409);
    expect(res.body.detail).toMatch(/draft post cannot be scheduled/);
    await t.http.post(`/v1/posts/${post.id}/approve`).set(auth(lead.key)).expect(409);
    await t.http.post(`/v1/posts/${post.id}/cancel`).set(auth(editor.key)).send({ reason: 'not needed' }).expect(200);
    await t.http.post(`/v1/posts/${post.id}/submit`).set(auth(editor.key)).expect(409);
    await t.http.patch(`/v1/posts/${post.id}`).set(auth(editor.key)).send({ body: 'new' }).expect(409);
    const now = await t.http.get(`/v1/posts/${post.id}`).set(auth(editor.key)).expect(200);
    expect(now.body).toMatchObject({ status: 'cancelled', body: 'Hello from Palinsesto' });
  });

  it('schedules a draft directly on a channel without approval', async () => {
    const { editor, channel } = await setup({ approvalRequired: false });
    const post = await createPost(t, editor, channel.id);
    const res = await t.http
      .post(`/v1/posts/${post.id}/schedule`)
      .set(auth(editor.key))
      .send({ scheduledAt: '2027-02-01T09:00:00Z' })
      .expect(200);
    expect(res.body).toMatchObject({ status: 'scheduled', scheduledAt: '2027-02-01T09:00:00.000Z' });
  });

  it('refuses a schedule in the past or without a time with a field error', async () => {
    const { editor, channel } = await setup({ approvalRequired: false });
    const post = await createPost(t, editor, channel.id);
    const none = await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(editor.key)).send({}).expect(400);
    expect(none.body.errors[0].field).toBe('scheduledAt');
    const past = await t.http
      .post(`/v1/posts/${post.id}/schedule`)
      .set(auth(editor.key))
      .send({ scheduledAt: '2027-01-04T07:59:00Z' })
      .expect(400);
    expect(past.body.errors[0]).toEqual({ field: 'scheduledAt', message: 'scheduledAt must be in the future' });
    const still = await t.http.get(`/v1/posts/${post.id}`).set(auth(editor.key)).expect(200);
    expect(still.body.status).toBe('draft');
  });

  it('lets only a lead override, and keeps the reason in the audit trail', async () => {
    const { lead, editor, channel } = await setup({ approvalRequired: false });
    const post = await createPost(t, editor, channel.id);
    const body = { scheduledAt: '2027-01-06T09:00:00Z', override: { reason: 'Launch day' } };
    await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(editor.key)).send(body).expect(403);
    await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(lead.key)).send(body).expect(200);
    const trail = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/audit?entityId=${post.id}`)
      .set(auth(lead.key))
      .expect(200);
    expect(trail.body.items[0]).toMatchObject({
      action: 'post.schedule.override',
      reason: 'Launch day',
      actorMemberId: lead.memberId,
    });
  });

  it('uses versions: ETag on read, 412 on a stale If-Match, nothing changed', async () => {
    const { editor, channel } = await setup();
    const post = await createPost(t, editor, channel.id);
    const read = await t.http.get(`/v1/posts/${post.id}`).set(auth(editor.key)).expect(200);
    expect(read.headers.etag).toBe(`"${post.version}"`);
    await t.http
      .patch(`/v1/posts/${post.id}`)
      .set(auth(editor.key))
      .set('If-Match', read.headers.etag)
      .send({ body: 'First edit' })
      .expect(200);
    const stale = await t.http
      .patch(`/v1/posts/${post.id}`)
      .set(auth(editor.key))
      .set('If-Match', read.headers.etag)
      .send({ body: 'Second edit' })
      .expect(412);
    expect(stale.body.detail).toMatch(/has changed since you read it/);
    await t.http
      .post(`/v1/posts/${post.id}/submit`)
      .set(auth(editor.key))
      .set('If-Match', read.headers.etag)
      .expect(412);
    const now = await t.http.get(`/v1/posts/${post.id}`).set(auth(editor.key)).expect(200);
    expect(now.body).toMatchObject({ body: 'First edit', status: 'draft', version: post.version + 1 });
  });

  it('sends an approved post back to review when an editor changes its content', async () => {
    const { lead, editor, channel } = await setup();
    const post = await createPost(t, editor, channel.id, { scheduledAt: '2027-01-07T09:00:00Z' });
    await t.http.post(`/v1/posts/${post.id}/submit`).set(auth(editor.key)).expect(200);
    await t.http.post(`/v1/posts/${post.id}/approve`).set(auth(lead.key)).expect(200);
    await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(editor.key)).send({}).expect(200);
    const edited = await t.http
      .patch(`/v1/posts/${post.id}`)
      .set(auth(editor.key))
      .send({ body: 'Changed after approval' })
      .expect(200);
    expect(edited.body.status).toBe('in_review');
    await t.http.post(`/v1/posts/${post.id}/approve`).set(auth(lead.key)).expect(200);
    await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(editor.key)).send({}).expect(200);
    const byLead = await t.http
      .patch(`/v1/posts/${post.id}`)
      .set(auth(lead.key))
      .send({ body: 'Lead fixes a typo' })
      .expect(200);
    expect(byLead.body.status).toBe('scheduled');
  });

  it('grows the sequence each time a post moves', async () => {
    const { editor, channel } = await setup({ approvalRequired: false });
    const post = await createPost(t, editor, channel.id, { scheduledAt: '2027-01-08T09:00:00Z' });
    await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(editor.key)).send({}).expect(200);
    const moved = await t.http
      .patch(`/v1/posts/${post.id}`)
      .set(auth(editor.key))
      .send({ scheduledAt: '2027-01-09T09:00:00Z' })
      .expect(200);
    expect(moved.body).toMatchObject({
      sequence: post.sequence + 1,
      status: 'scheduled',
      scheduledAt: '2027-01-09T09:00:00.000Z',
    });
    const same = await t.http
      .patch(`/v1/posts/${post.id}`)
      .set(auth(editor.key))
      .send({ scheduledAt: '2027-01-09T10:00:00+01:00' })
      .expect(200);
    expect(same.body.sequence).toBe(post.sequence + 1);
  });

  it('unschedules and deletes without refusal, and never touches a publishing post', async () => {
    const { editor, channel } = await setup({ approvalRequired: false });
    const post = await createPost(t, editor, channel.id, { scheduledAt: '2027-01-08T09:00:00Z' });
    await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(editor.key)).send({}).expect(200);
    const un = await t.http.post(`/v1/posts/${post.id}/unschedule`).set(auth(editor.key)).expect(200);
    expect(un.body.status).toBe('approved');
    await t.http.delete(`/v1/posts/${post.id}`).set(auth(editor.key)).expect(204);
    await t.http.get(`/v1/posts/${post.id}`).set(auth(editor.key)).expect(404);
    const busy = await createPost(t, editor, channel.id);
    await t.db.query(`UPDATE posts SET status = 'publishing' WHERE id = $1`, [busy.id]);
    await t.http.patch(`/v1/posts/${busy.id}`).set(auth(editor.key)).send({ body: 'x' }).expect(409);
    await t.http.post(`/v1/posts/${busy.id}/cancel`).set(auth(editor.key)).expect(409);
    await t.http.delete(`/v1/posts/${busy.id}`).set(auth(editor.key)).expect(409);
  });

  it('keeps viewers read-only', async () => {
    const { editor, viewer, channel } = await setup();
    const post = await createPost(t, editor, channel.id);
    await t.http
      .post(`/v1/channels/${channel.id}/posts`)
      .set(auth(viewer.key))
      .send({ body: 'x', category: 'informative' })
      .expect(403);
    await t.http.patch(`/v1/posts/${post.id}`).set(auth(viewer.key)).send({ body: 'x' }).expect(403);
    await t.http.post(`/v1/posts/${post.id}/submit`).set(auth(viewer.key)).expect(403);
    await t.http.post(`/v1/posts/${post.id}/cancel`).set(auth(viewer.key)).expect(403);
    await t.http.get(`/v1/posts/${post.id}`).set(auth(viewer.key)).expect(200);
  });

  it('validates posts: unknown category, bad link, too long, unknown fields', async () => {
    const { editor, channel } = await setup();
    const unknown = await t.http
      .post(`/v1/channels/${channel.id}/posts`)
      .set(auth(editor.key))
      .send({ body: 'x', category: 'gossip' })
      .expect(400);
    expect(unknown.body.errors).toEqual([{ field: 'category', message: 'the workspace has no category gossip' }]);
    const bad = await t.http
      .post(`/v1/channels/${channel.id}/posts`)
      .set(auth(editor.key))
      .send({
        body: 'x'.repeat(10001),
        category: 'informative',
        link: 'javascript:alert(1)',
        scheduledAt: 'tomorrow',
        status: 'published',
      })
      .expect(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'body',
      'link',
      'scheduledAt',
      'status',
    ]);
    const count = await t.db.query('SELECT count(*)::int AS n FROM posts WHERE channel_id = $1', [channel.id]);
    expect(count[0].n).toBe(0);
  });

  it('lists a channel plan by time with filters and cursors', async () => {
    const { editor, channel } = await setup({ approvalRequired: false });
    const times = ['2027-01-10T09:00:00Z', '2027-01-11T09:00:00Z', '2027-01-12T09:00:00Z', '2027-01-13T09:00:00Z'];
    for (const at of [...times].reverse()) {
      const p = await createPost(t, editor, channel.id, { scheduledAt: at });
      if (at !== times[3]) await t.http.post(`/v1/posts/${p.id}/schedule`).set(auth(editor.key)).send({}).expect(200);
    }
    await createPost(t, editor, channel.id, { body: 'undated idea' });
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { scheduledAt: string | null }[]; nextCursor: string | null } } = await t.http
        .get(`/v1/channels/${channel.id}/posts?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(auth(editor.key))
        .expect(200);
      all.push(...res.body.items.map((p) => p.scheduledAt ?? 'none'));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(all).toEqual([...times.map((x) => x.replace('Z', '.000Z')), 'none']);
    const scheduled = await t.http
      .get(`/v1/channels/${channel.id}/posts?status=scheduled&from=2027-01-11T00:00:00Z&to=2027-01-13T00:00:00Z`)
      .set(auth(editor.key))
      .expect(200);
    expect(scheduled.body.items.map((p: { scheduledAt: string }) => p.scheduledAt)).toEqual([
      '2027-01-11T09:00:00.000Z',
      '2027-01-12T09:00:00.000Z',
    ]);
    await t.http.get(`/v1/channels/${channel.id}/posts?status=lost`).set(auth(editor.key)).expect(400);
  });

  it('keeps posts of another workspace out of reach', async () => {
    const a = await setup();
    const b = await setup();
    const theirs = await createPost(t, b.editor, b.channel.id, { body: 'their secret plan' });
    for (const req of [
      t.http.get(`/v1/posts/${theirs.id}`),
      t.http.patch(`/v1/posts/${theirs.id}`).send({ body: 'mine' }),
      t.http.post(`/v1/posts/${theirs.id}/submit`),
      t.http.delete(`/v1/posts/${theirs.id}`),
      t.http.get(`/v1/channels/${b.channel.id}/posts`),
      t.http.post(`/v1/channels/${b.channel.id}/posts`).send({ body: 'x', category: 'informative' }),
    ]) {
      const res = await req.set(auth(a.lead.key)).expect(404);
      expect(JSON.stringify(res.body)).not.toContain('their secret plan');
    }
  });
});
