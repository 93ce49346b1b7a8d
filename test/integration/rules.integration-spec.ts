import { createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace, Session } from '../support/fixtures';

// Monday 4 January 2027, 09:00 in Rome.
const NOW = '2027-01-04T08:00:00Z';

describe('editorial rules over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(() => t.close());

  async function setup(rules: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, { approvalRequired: false, rules, ...extra });
    return { ...ws, channel };
  }

  async function schedule(
    s: Session,
    channelId: string,
    at: string,
    category = 'informative',
    expectStatus = 200,
    body: Record<string, unknown> = {},
  ) {
    const post = await createPost(t, s, channelId, { category });
    const res = await t.http
      .post(`/v1/posts/${post.id}/schedule`)
      .set(auth(s.key))
      .send({ scheduledAt: at, ...body });
    expect(res.status).toBe(expectStatus);
    return { post, res };
  }

  it('block: refuses a third post on a day that allows two, with an actionable violation, and saves nothing', async () => {
    const { editor, channel } = await setup({ enforcement: 'block', cadence: { maxPostsPerDay: 2 } });
    await schedule(editor, channel.id, '2027-01-12T09:00:00+01:00');
    await schedule(editor, channel.id, '2027-01-12T12:00:00+01:00');
    const { post, res } = await schedule(editor, channel.id, '2027-01-12T18:00:00+01:00', 'informative', 422);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.violations).toHaveLength(1);
    expect(res.body.violations[0]).toMatchObject({ rule: 'maxPostsPerDay', severity: 'block', measured: 3, limit: 2 });
    expect(res.body.violations[0].postIds).toHaveLength(3);
    expect(res.body.violations[0].message).toBe(
      'Move or drop one of these 3 posts on Tue 12 Jan: the channel allows 2 a day.',
    );
    const stored = await t.http.get(`/v1/posts/${post.id}`).set(auth(editor.key)).expect(200);
    expect(stored.body.status).toBe('draft');
    // The next day is fine.
    await t.http
      .post(`/v1/posts/${post.id}/schedule`)
      .set(auth(editor.key))
      .send({ scheduledAt: '2027-01-13T09:00:00+01:00' })
      .expect(200);
  });

  it('block: a lead overrides with a reason (audited); an editor may not', async () => {
    const { lead, editor, channel } = await setup({
      enforcement: 'block',
      cadence: { quietHours: { start: '22:00', end: '07:00' } },
    });
    const post = await createPost(t, editor, channel.id);
    const late = { scheduledAt: '2027-01-12T23:30:00+01:00' };
    const refused = await t.http.post(`/v1/posts/${post.id}/schedule`).set(auth(editor.key)).send(late).expect(422);
    expect(refused.body.violations[0].rule).toBe('quietHours');
    await t.http
      .post(`/v1/posts/${post.id}/schedule`)
      .set(auth(editor.key))
      .send({ ...late, override: { reason: 'Night launch' } })
      .expect(403);
    const ok = await t.http
      .post(`/v1/posts/${post.id}/schedule`)
      .set(auth(lead.key))
      .send({ ...late, override: { reason: 'Night launch' } })
      .expect(200);
    expect(ok.body.status).toBe('scheduled');
    expect(ok.body.violations[0].rule).toBe('quietHours');
    const trail = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/audit?entityId=${post.id}`)
      .set(auth(lead.key))
      .expect(200);
    expect(trail.body.items[0]).toMatchObject({ action: 'post.schedule.override', reason: 'Night launch' });
    expect(trail.body.items[0].details.overridden[0]).toMatch(/quiet hours/i);
  });

  it('warn: saves the change and reports the violation', async () => {
    const { editor, channel } = await setup({ enforcement: 'warn', cadence: { minSpacingMinutes: 120 } });
    await schedule(editor, channel.id, '2027-01-12T09:00:00+01:00');
    const { res } = await schedule(editor, channel.id, '2027-01-12T10:00:00+01:00');
    expect(res.body.status).toBe('scheduled');
    expect(res.body.violations).toEqual([
      expect.objectContaining({ rule: 'minSpacing', severity: 'warn', limit: 120, measured: 60 }),
    ]);
  });

  it('judges the content mix over the rolling window', async () => {
    const { editor, channel } = await setup({
      enforcement: 'block',
      mix: { windowDays: 14, minPosts: 4, limits: { promotional: { max: 0.25 } } },
    });
    for (const day of ['05', '06', '07']) await schedule(editor, channel.id, `2027-01-${day}T09:00:00+01:00`);
    await schedule(editor, channel.id, '2027-01-08T09:00:00+01:00', 'promotional');
    const { res } = await schedule(editor, channel.id, '2027-01-09T09:00:00+01:00', 'promotional', 422);
    expect(res.body.violations[0]).toMatchObject({ rule: 'mixMax', limit: 0.25 });
    expect(res.body.violations[0].message).toMatch(/Promotional posts are 2 of 5/);
    // An informative post in between keeps the mix within the limit.
    await schedule(editor, channel.id, '2027-01-08T15:00:00+01:00');
    await schedule(editor, channel.id, '2027-01-09T09:00:00+01:00', 'promotional', 422);
    await schedule(editor, channel.id, '2027-01-08T18:00:00+01:00');
    await schedule(editor, channel.id, '2027-01-09T09:00:00+01:00', 'promotional', 422); // 2 of 7
    await schedule(editor, channel.id, '2027-01-08T21:00:00+01:00');
    await schedule(editor, channel.id, '2027-01-09T09:00:00+01:00', 'promotional', 200); // 2 of 8: 25%
  });

  it('validate answers the same verdict and saves nothing', async () => {
    const { editor, viewer, channel } = await setup({ enforcement: 'block', cadence: { maxPostsPerDay: 1 } });
    const { post } = await schedule(editor, channel.id, '2027-01-12T09:00:00+01:00');
    const before = await t.db.query('SELECT count(*)::int AS n, max(version) AS v FROM posts WHERE channel_id = $1', [
      channel.id,
    ]);
    const res = await t.http
      .post(`/v1/channels/${channel.id}/posts/validate`)
      .set(auth(viewer.key))
      .send({ scheduledAt: '2027-01-12T15:00:00+01:00', category: 'informative' })
      .expect(200);
    expect(res.body.violations.map((v: { rule: string }) => v.rule)).toEqual(['maxPostsPerDay']);
    expect(res.body.wouldBlock).toBe(true);
    // Moving the same post within its day breaks nothing.
    const move = await t.http
      .post(`/v1/channels/${channel.id}/posts/validate`)
      .set(auth(viewer.key))
      .send({ scheduledAt: '2027-01-12T15:00:00+01:00', category: 'informative', postId: post.id })
      .expect(200);
    expect(move.body.violations).toEqual([]);
    const after = await t.db.query('SELECT count(*)::int AS n, max(version) AS v FROM posts WHERE channel_id = $1', [
      channel.id,
    ]);
    expect(after).toEqual(before);
    await t.http
      .post(`/v1/channels/${channel.id}/posts/validate`)
      .set(auth(viewer.key))
      .send({ scheduledAt: 'soon', category: 'informative' })
      .expect(400);
  });

  it('next-slot finds the earliest time that breaks no rule, on posting slots, and queue schedules there', async () => {
    const { editor, channel } = await setup(
      { enforcement: 'block', cadence: { maxPostsPerDay: 1 } },
      {
        postingSlots: [
          { weekday: 2, time: '09:30' },
          { weekday: 4, time: '09:30' },
        ],
      },
    );
    // Tuesday 5 January 09:30 is taken: the next free slot is Thursday 7 January 09:30 in Rome.
    await schedule(editor, channel.id, '2027-01-05T11:00:00+01:00');
    const slot = await t.http
      .get(`/v1/channels/${channel.id}/next-slot?category=informative`)
      .set(auth(editor.key))
      .expect(200);
    expect(slot.body.scheduledAt).toBe('2027-01-07T08:30:00.000Z');
    const post = await createPost(t, editor, channel.id);
    const queued = await t.http.post(`/v1/posts/${post.id}/queue`).set(auth(editor.key)).send({}).expect(200);
    expect(queued.body).toMatchObject({ status: 'scheduled', scheduledAt: '2027-01-07T08:30:00.000Z' });
    const next = await t.http
      .get(`/v1/channels/${channel.id}/next-slot?category=informative`)
      .set(auth(editor.key))
      .expect(200);
    expect(next.body.scheduledAt).toBe('2027-01-12T08:30:00.000Z');
    const later = await t.http
      .get(`/v1/channels/${channel.id}/next-slot?category=informative&after=2027-03-27T00:00:00Z`)
      .set(auth(editor.key))
      .expect(200);
    expect(later.body.scheduledAt).toBe('2027-03-30T07:30:00.000Z'); // after the DST change: 09:30 is UTC+2
  });

  it('answers 422 when no slot exists within a year', async () => {
    const { editor, channel } = await setup({
      enforcement: 'block',
      mix: { windowDays: 7, limits: { promotional: { max: 0 } } },
    });
    const res = await t.http
      .get(`/v1/channels/${channel.id}/next-slot?category=promotional`)
      .set(auth(editor.key))
      .expect(422);
    expect(res.body.detail).toMatch(/No time in the next 365 days/);
  });

  it('never refuses a removal and reports the gap it opens', async () => {
    const { editor, channel } = await setup({ enforcement: 'block', cadence: { maxGapHours: 48 } });
    await schedule(editor, channel.id, '2027-01-05T09:00:00+01:00');
    const { post } = await schedule(editor, channel.id, '2027-01-06T09:00:00+01:00');
    await schedule(editor, channel.id, '2027-01-07T09:00:00+01:00');
    await schedule(editor, channel.id, '2027-01-08T09:00:00+01:00');
    // Removing the post of the 6th leaves 48 h (allowed); removing the 7th as well opens 72 h.
    await t.http.post(`/v1/posts/${post.id}/cancel`).set(auth(editor.key)).send({}).expect(200);
    const list = await t.http
      .get(`/v1/channels/${channel.id}/posts?status=scheduled`)
      .set(auth(editor.key))
      .expect(200);
    const seventh = list.body.items.find((p: { scheduledAt: string }) => p.scheduledAt === '2027-01-07T08:00:00.000Z');
    const res = await t.http.post(`/v1/posts/${seventh.id}/unschedule`).set(auth(editor.key)).expect(200);
    expect(res.body.status).toBe('approved');
    expect(res.body.violations).toEqual([expect.objectContaining({ rule: 'maxGap', measured: 72, limit: 48 })]);
    // Moving a post back into the gap is fine; moving the last one out of reach is refused.
    await t.http.post(`/v1/posts/${seventh.id}/schedule`).set(auth(editor.key)).send({}).expect(200);
  });

  it('shows gaps, violations and the mix in the calendar', async () => {
    const { editor, channel } = await setup({
      enforcement: 'warn',
      cadence: { maxGapHours: 72, postsPerWeek: 2, maxPostsPerDay: 1 },
    });
    await schedule(editor, channel.id, '2027-01-05T09:00:00+01:00');
    await schedule(editor, channel.id, '2027-01-05T15:00:00+01:00', 'promotional');
    await schedule(editor, channel.id, '2027-01-15T09:00:00+01:00');
    // A "+" left unencoded in a query string arrives as a space: the API reads it as the offset sign.
    const res = await t.http
      .get(
        `/v1/channels/${channel.id}/calendar?from=2027-01-04T00:00:00+01:00&to=${encodeURIComponent('2027-01-18T00:00:00+01:00')}`,
      )
      .set(auth(editor.key))
      .expect(200);
    const kinds = res.body.gaps.map((g: { kind: string; from: string }) => `${g.kind}@${g.from}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['planned_gap@2027-01-05T14:00:00.000Z', 'under_cadence@2027-01-10T23:00:00.000Z']),
    );
    expect(res.body.violations.map((v: { rule: string }) => v.rule)).toEqual(
      expect.arrayContaining(['maxPostsPerDay', 'maxGap', 'postsPerWeek']),
    );
    expect(res.body.mix.informative).toBeCloseTo(2 / 3);
    expect(res.body.mix.promotional).toBeCloseTo(1 / 3);
  });

  it('serialises concurrent changes: two parallel schedules cannot together break maxPostsPerDay', async () => {
    const { editor, channel } = await setup({ enforcement: 'block', cadence: { maxPostsPerDay: 1 } });
    for (let round = 0; round < 5; round++) {
      const day = `2027-02-${String(10 + round).padStart(2, '0')}`;
      const a = await createPost(t, editor, channel.id);
      const b = await createPost(t, editor, channel.id);
      const results = await Promise.all(
        [a, b].map((p, i) =>
          t.http
            .post(`/v1/posts/${p.id}/schedule`)
            .set(auth(editor.key))
            .send({ scheduledAt: `${day}T${10 + i}:00:00+01:00` }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
    }
    const rows = await t.db.query(
      `SELECT (scheduled_at AT TIME ZONE 'Europe/Rome')::date AS day, count(*)::int AS n FROM posts WHERE channel_id = $1 AND status = 'scheduled' GROUP BY 1`,
      [channel.id],
    );
    expect(rows).toHaveLength(5);
    expect(rows.every((r: { n: number }) => r.n === 1)).toBe(true);
  });

  it('checks platform length limits when a post is created, edited or scheduled', async () => {
    const { lead, editor } = await seedWorkspace(t);
    const channel = await createChannel(t, lead, {
      platform: 'bluesky',
      credentials: { service: 'http://127.0.0.1:9', identifier: 'a', appPassword: 'b' },
    });
    const res = await t.http
      .post(`/v1/channels/${channel.id}/posts`)
      .set(auth(editor.key))
      .send({ body: 'é'.repeat(310), category: 'informative' })
      .expect(422);
    expect(res.body.detail).toMatch(/310.*300.*10/);
    const ok = await createPost(t, editor, channel.id, { body: '👩‍👩‍👧‍👦'.repeat(300) });
    await t.http
      .patch(`/v1/posts/${ok.id}`)
      .set(auth(editor.key))
      .send({ body: 'x'.repeat(301) })
      .expect(422);
  });
});
