import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';

describe('calendar', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: '2027-02-10T08:00:00Z' });
  });
  afterAll(() => t.close());

  async function plan(s: { key: string }, channelId: string, at: string, category = 'informative', schedule = true) {
    const p = await createPost(t, s as never, channelId, { scheduledAt: at, category });
    if (schedule) await t.http.post(`/v1/posts/${p.id}/schedule`).set(auth(s.key)).send({}).expect(200);
    return p;
  }

  it("shows a channel's month: posts in range, their mix, and the channel", async () => {
    const { editor, lead } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, { approvalRequired: false, timezone: 'America/New_York' });
    await plan(editor, channel.id, '2027-02-28T23:30:00-05:00', 'promotional'); // Mar 1 04:30Z: still February in New York
    await plan(editor, channel.id, '2027-02-15T09:00:00-05:00', 'informative');
    await plan(editor, channel.id, '2027-02-16T09:00:00-05:00', 'informative');
    await plan(editor, channel.id, '2027-02-17T09:00:00-05:00', 'promotional', false); // a draft: shown, not in the mix
    await plan(editor, channel.id, '2027-03-01T09:00:00-05:00', 'promotional'); // March
    const res = await t.http.get(`/v1/channels/${channel.id}/calendar`).set(auth(editor.key)).expect(200);
    expect(res.body.from).toBe('2027-02-01T05:00:00.000Z');
    expect(res.body.to).toBe('2027-03-01T05:00:00.000Z');
    expect(res.body.channel.id).toBe(channel.id);
    expect(res.body.posts.map((p: { status: string }) => p.status)).toEqual([
      'scheduled',
      'scheduled',
      'draft',
      'scheduled',
    ]);
    expect(res.body.mix.informative).toBeCloseTo(2 / 3);
    expect(res.body.mix.promotional).toBeCloseTo(1 / 3);
    expect(res.body.gaps).toEqual(expect.any(Array));
    expect(res.body.violations).toEqual(expect.any(Array));
    const week = await t.http
      .get(`/v1/channels/${channel.id}/calendar?from=2027-02-15T00:00:00-05:00&to=2027-02-16T00:00:00-05:00`)
      .set(auth(editor.key))
      .expect(200);
    expect(week.body.posts).toHaveLength(1);
    expect(week.body.mix).toEqual({ informative: 1 });
  });

  it('shows many channels of a workspace, or one', async () => {
    const { editor, lead, viewer } = await seedWorkspace(t);
    const a = await createChannel(t, lead, { name: 'A', approvalRequired: false });
    const b = await createChannel(t, lead, { name: 'B', approvalRequired: false });
    await plan(editor, a.id, '2027-02-20T09:00:00Z');
    await plan(editor, b.id, '2027-02-21T09:00:00Z', 'engagement');
    const path = `/v1/workspaces/${lead.workspaceId}/calendar?from=2027-02-01T00:00:00Z&to=2027-03-01T00:00:00Z`;
    const all = await t.http.get(path).set(auth(viewer.key)).expect(200);
    expect(
      all.body.channels.map((c: { channel: { name: string }; posts: unknown[] }) => [c.channel.name, c.posts.length]),
    ).toEqual([
      ['A', 1],
      ['B', 1],
    ]);
    expect(all.body.channels[1].mix).toEqual({ engagement: 1 });
    const one = await t.http.get(`${path}&channelId=${b.id}`).set(auth(viewer.key)).expect(200);
    expect(one.body.channels.map((c: { channel: { name: string } }) => c.channel.name)).toEqual(['B']);
  });

  it('refuses bad ranges and foreign channels', async () => {
    const { lead } = await seedWorkspace(t);
    const other = await seedWorkspace(t);
    const theirs = await createChannel(t, other.lead);
    const channel = await createChannel(t, lead);
    await t.http
      .get(`/v1/channels/${channel.id}/calendar?from=2027-03-01T00:00:00Z&to=2027-02-01T00:00:00Z`)
      .set(auth(lead.key))
      .expect(400);
    await t.http
      .get(`/v1/channels/${channel.id}/calendar?from=2027-01-01T00:00:00Z&to=2029-01-01T00:00:00Z`)
      .set(auth(lead.key))
      .expect(400);
    await t.http.get(`/v1/channels/${channel.id}/calendar?from=yesterday`).set(auth(lead.key)).expect(400);
    await t.http.get(`/v1/channels/${theirs.id}/calendar`).set(auth(lead.key)).expect(404);
    await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/calendar?channelId=${theirs.id}`)
      .set(auth(lead.key))
      .expect(400);
  });
});
