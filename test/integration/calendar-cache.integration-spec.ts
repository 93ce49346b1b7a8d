import { Client } from 'pg';
import type { Actor } from '../../src/auth/actor';
import { resolveRange } from '../../src/calendar/calendar-range';
import { CalendarService } from '../../src/calendar/calendar.service';
import { ChannelEntity } from '../../src/channels/channel.entity';
import { ChannelsService } from '../../src/channels/channels.service';
import { mapChannel } from '../../src/channels/dto/channel.dto';
import { mapPost } from '../../src/posts/dto/post.dto';
import { PlanService } from '../../src/posts/plan.service';
import { PostEntity } from '../../src/posts/post.entity';
import { WorkspacesService } from '../../src/workspaces/workspaces.service';
import { createSecondInstance, createTestApp, TestApp } from '../support/test-app';
import { auth, createChannel, createPost, seedWorkspace, Session } from '../support/fixtures';

const NOW = '2027-02-10T08:00:00Z';
const FEB = 'from=2027-02-01T00:00:00Z&to=2027-03-01T00:00:00Z';

/**
 * The calendar is served from a per-instance cache keyed by plan revisions; every answer
 * here is compared, byte for byte, with what the uncached code (channel, posts and plan
 * insights read through the services, as before the cache) gives at that moment.
 */
describe('calendar cache', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ now: NOW });
  });
  afterAll(() => t.close());

  const actorOf = (s: Session): Actor => ({
    memberId: s.memberId,
    workspaceId: s.workspaceId,
    role: 'lead',
    name: 'test',
  });

  /** Posts of the channels dated in the range, by time then id, as TypeORM entities (as the code before the cache read them). */
  async function datedPosts(
    app: TestApp,
    channelIds: string[],
    range: { from: Date; to: Date },
  ): Promise<PostEntity[]> {
    if (channelIds.length === 0) return [];
    return app.db
      .getRepository(PostEntity)
      .createQueryBuilder('p')
      .where('p.channel_id IN (:...channelIds)', { channelIds })
      .andWhere('p.scheduled_at >= :from AND p.scheduled_at < :to', range)
      .orderBy('p.scheduled_at')
      .addOrderBy('p.id')
      .getMany();
  }

  /** The channel calendar as the code before the cache computed it. */
  async function reference(
    app: TestApp,
    s: Session,
    channelId: string,
    query: { from?: string; to?: string } = {},
  ): Promise<string> {
    const channel = await app.app.get(ChannelsService).get(actorOf(s), channelId);
    const range = resolveRange(query.from, query.to, channel.timezone, app.clock.now());
    const posts = await datedPosts(app, [channel.id], range);
    const { gaps, violations, mix } = await app.app.get(PlanService).insights(channel, range.from, range.to);
    return JSON.stringify({
      channel: mapChannel(channel),
      posts: posts.map(mapPost),
      gaps,
      violations,
      mix,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
    });
  }

  /** The workspace calendar as the code before the cache computed it. */
  async function workspaceReference(
    s: Session,
    query: { from?: string; to?: string; channelId?: string } = {},
  ): Promise<string> {
    const workspace = await t.app.get(WorkspacesService).get(actorOf(s), s.workspaceId);
    const range = resolveRange(query.from, query.to, workspace.timezone, t.clock.now());
    const channels: ChannelEntity[] = query.channelId
      ? [await t.app.get(ChannelsService).get(actorOf(s), query.channelId)]
      : await t.app.get(ChannelsService).listActiveEntities(s.workspaceId);
    const posts = await datedPosts(
      t,
      channels.map((c) => c.id),
      range,
    );
    const byChannel = new Map<string, PostEntity[]>(channels.map((c) => [c.id, []]));
    for (const p of posts) byChannel.get(p.channelId)?.push(p);
    const parts = [];
    for (const c of channels) {
      const { gaps, violations, mix } = await t.app.get(PlanService).insights(c, range.from, range.to);
      parts.push({ channel: mapChannel(c), posts: (byChannel.get(c.id) ?? []).map(mapPost), gaps, violations, mix });
    }
    return JSON.stringify({ from: range.from.toISOString(), to: range.to.toISOString(), channels: parts });
  }

  function query(q: string): { from?: string; to?: string } {
    const p = new URLSearchParams(q);
    return { from: p.get('from') ?? undefined, to: p.get('to') ?? undefined };
  }

  /** GET the channel calendar; its body must be the uncached answer. Returns the ETag. */
  async function fresh(
    s: Session,
    channelId: string,
    q = FEB,
    app: TestApp = t,
  ): Promise<{ etag: string; body: Record<string, unknown> }> {
    const res = await app.http
      .get(`/v1/channels/${channelId}/calendar${q ? `?${q}` : ''}`)
      .set(auth(s.key))
      .expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).toBe(await reference(app, s, channelId, query(q)));
    // supertest asks for gzip (and inflates): the gzip representation has its own ETag.
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}-gz"$/);
    return { etag: res.headers.etag as string, body: res.body };
  }

  async function plan(s: Session, channelId: string, at: string, category = 'informative', schedule = true) {
    const p = await createPost(t, s, channelId, { scheduledAt: at, category });
    if (schedule) await t.http.post(`/v1/posts/${p.id}/schedule`).set(auth(s.key)).send({}).expect(200);
    return p;
  }

  async function setup(
    rules: Record<string, unknown> = {
      enforcement: 'warn',
      cadence: { maxPostsPerDay: 2, maxGapHours: 72, postsPerWeek: 2 },
      mix: { windowDays: 7, limits: { promotional: { max: 0.3 } } },
    },
  ) {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, { approvalRequired: false, rules });
    const posts = [
      await plan(ws.editor, channel.id, '2027-02-15T09:00:00Z'),
      await plan(ws.editor, channel.id, '2027-02-15T15:00:00Z', 'promotional'),
      await plan(ws.editor, channel.id, '2027-02-16T09:00:00Z', 'engagement'),
      await plan(ws.editor, channel.id, '2027-02-22T09:00:00Z', 'promotional'),
      await plan(ws.editor, channel.id, '2027-02-17T11:00:00Z', 'informative', false), // a draft: shown, not in the plan
    ];
    return { ws, channel, posts };
  }

  it('answers what the uncached code answers, again from the cache with the same ETag', async () => {
    const { ws, channel } = await setup();
    const first = await fresh(ws.viewer, channel.id);
    expect((first.body.posts as unknown[]).length).toBe(5);
    expect((first.body.violations as unknown[]).length).toBeGreaterThan(0);
    const second = await fresh(ws.viewer, channel.id);
    expect(second.etag).toBe(first.etag);
    // Every role sees the same answer: the ETag does not depend on who asks.
    expect((await fresh(ws.editor, channel.id)).etag).toBe(first.etag);
    expect((await fresh(ws.lead, channel.id)).etag).toBe(first.etag);
    // The default range (this month in the channel's zone) and other ranges are their own entries.
    await fresh(ws.viewer, channel.id, '');
    await fresh(ws.viewer, channel.id, 'from=2027-02-15T00:00:00Z&to=2027-02-16T00:00:00Z');
    expect((await fresh(ws.viewer, channel.id)).etag).toBe(first.etag);
  });

  it('a post moved, edited, cancelled or deleted shows at once', async () => {
    const { ws, channel, posts } = await setup();
    let etag = (await fresh(ws.viewer, channel.id)).etag;
    const changes: Array<() => Promise<unknown>> = [
      () =>
        t.http
          .patch(`/v1/posts/${posts[0].id}`)
          .set(auth(ws.editor.key))
          .send({ scheduledAt: '2027-02-20T10:00:00Z' })
          .expect(200),
      () =>
        t.http.patch(`/v1/posts/${posts[4].id}`).set(auth(ws.editor.key)).send({ body: 'Edited draft' }).expect(200),
      () =>
        t.http
          .patch(`/v1/posts/${posts[2].id}`)
          .set(auth(ws.editor.key))
          .send({ scheduledAt: '2027-03-05T10:00:00Z' })
          .expect(200), // out of the range
      () => t.http.post(`/v1/posts/${posts[1].id}/cancel`).set(auth(ws.editor.key)).send({}).expect(200),
      () => t.http.delete(`/v1/posts/${posts[4].id}`).set(auth(ws.editor.key)).expect(204),
    ];
    for (const change of changes) {
      await change();
      const next = (await fresh(ws.viewer, channel.id)).etag;
      expect(next).not.toBe(etag);
      etag = next;
    }
  });

  it('a change that leaves the answer as it was (a post outside the range) keeps the ETag', async () => {
    const { ws, channel } = await setup();
    const march = await plan(ws.editor, channel.id, '2027-03-20T09:00:00Z');
    const before = await fresh(ws.viewer, channel.id);
    const [rev] = await t.db.query(`SELECT revision FROM post_plan_revisions WHERE channel_id = $1`, [channel.id]);
    await t.http
      .patch(`/v1/posts/${march.id}`)
      .set(auth(ws.editor.key))
      .send({ body: 'Edited, still in March' })
      .expect(200);
    const [revAfter] = await t.db.query(`SELECT revision FROM post_plan_revisions WHERE channel_id = $1`, [channel.id]);
    expect(Number(revAfter.revision)).toBeGreaterThan(Number(rev.revision));
    // A new revision, read again: the same bytes, so the same ETag, and the client's copy is still good.
    expect((await fresh(ws.viewer, channel.id)).etag).toBe(before.etag);
    await t.http
      .get(`/v1/channels/${channel.id}/calendar?${FEB}`)
      .set(auth(ws.viewer.key))
      .set('If-None-Match', before.etag)
      .expect(304);
  });

  it('a write outside the API (the dispatcher, a bulk SQL update) shows at once', async () => {
    const { ws, channel, posts } = await setup();
    const before = await fresh(ws.viewer, channel.id);
    await t.db.query(
      `UPDATE posts SET status = 'published', published_at = scheduled_at, external_id = 'x1', version = version + 1 WHERE id = $1`,
      [posts[0].id],
    );
    const published = await fresh(ws.viewer, channel.id);
    expect(published.etag).not.toBe(before.etag);
    expect((published.body.posts as Array<{ status: string }>)[0].status).toBe('published');
  });

  it('a category renamed: the mix follows the posts, names alone change nothing', async () => {
    const { ws, channel } = await setup();
    const before = await fresh(ws.viewer, channel.id);
    // Names, colours and new categories are not part of a calendar.
    await t.db.query(
      `UPDATE categories SET name = 'Promo!', color = '#000000' WHERE workspace_id = $1 AND key = 'promotional'`,
      [ws.workspaceId],
    );
    await t.http
      .post(`/v1/workspaces/${ws.workspaceId}/categories`)
      .set(auth(ws.lead.key))
      .send({ key: 'events', name: 'Events' })
      .expect(201);
    expect((await fresh(ws.viewer, channel.id)).etag).toBe(before.etag);
    // A key renamed with its posts (one statement over many posts): the mix shows the new key.
    await t.db.query(`UPDATE categories SET key = 'promo' WHERE workspace_id = $1 AND key = 'promotional'`, [
      ws.workspaceId,
    ]);
    await t.db.query(`UPDATE posts SET category = 'promo' WHERE workspace_id = $1 AND category = 'promotional'`, [
      ws.workspaceId,
    ]);
    const after = await fresh(ws.viewer, channel.id);
    expect(after.etag).not.toBe(before.etag);
    expect(Object.keys(after.body.mix as object)).toContain('promo');
  });

  it("a channel's rules, zone or name changed show at once, though no post moved", async () => {
    const { ws, channel } = await setup();
    let etag = (await fresh(ws.viewer, channel.id, '')).etag;
    let version = channel.version;
    for (const change of [
      { rules: { enforcement: 'block', cadence: { maxPostsPerDay: 1 } } },
      {
        rules: {
          cadence: { maxGapHours: 24, postsPerWeek: 5 },
          mix: { windowDays: 3, limits: { engagement: { min: 0.5 } } },
        },
      },
      { timezone: 'Pacific/Kiritimati' }, // the default range (this month in the channel's zone) moves
      { name: 'Renamed' },
      { postingSlots: [{ weekday: 1, time: '09:00' }] },
    ]) {
      const res = await t.http
        .patch(`/v1/channels/${channel.id}`)
        .set(auth(ws.lead.key))
        .set('If-Match', `"${version}"`)
        .send(change)
        .expect(200);
      version = res.body.version;
      for (const q of [FEB, '']) await fresh(ws.viewer, channel.id, q);
      const next = (await fresh(ws.viewer, channel.id, '')).etag;
      expect(next).not.toBe(etag);
      etag = next;
    }
  });

  it('the clock moving on (and back) changes gaps and violations as the uncached code does', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      approvalRequired: false,
      rules: { cadence: { maxGapHours: 48, postsPerWeek: 3 } },
    });
    await plan(ws.editor, channel.id, '2027-02-11T09:00:00Z');
    await plan(ws.editor, channel.id, '2027-02-18T09:00:00Z');
    const etags = new Set<string>();
    try {
      // Across the kind change of the first gap (11 Feb 09:00 + 48 h), week ends, the end of
      // the range, and into an ongoing inactivity after the last post.
      for (const at of [
        '2027-02-10T08:00:00Z',
        '2027-02-13T08:59:59.999Z',
        '2027-02-13T09:00:00Z',
        '2027-02-15T00:00:00Z',
        '2027-02-20T09:00:00.001Z',
        '2027-02-27T12:00:00Z',
        '2027-03-02T00:00:00Z',
        '2027-03-02T00:00:00.001Z',
        '2027-02-12T00:00:00Z',
      ]) {
        t.clock.set(at);
        etags.add((await fresh(ws.viewer, channel.id)).etag);
        etags.add((await fresh(ws.viewer, channel.id)).etag);
      }
    } finally {
      t.clock.set(NOW);
    }
    expect(etags.size).toBeGreaterThan(4);
  });

  it('If-None-Match: 304 while nothing changed, then 200 with a new ETag after a change', async () => {
    const { ws, channel, posts } = await setup();
    const first = await fresh(ws.viewer, channel.id);
    const path = `/v1/channels/${channel.id}/calendar?${FEB}`;
    const unchanged = await t.http.get(path).set(auth(ws.viewer.key)).set('If-None-Match', first.etag).expect(304);
    expect(unchanged.text ?? '').toBe('');
    expect(unchanged.headers.etag).toBe(first.etag);
    expect(unchanged.headers['cache-control']).toBe('private, no-cache');
    await t.http.get(path).set(auth(ws.viewer.key)).set('If-None-Match', `"other", ${first.etag}`).expect(304);
    await t.http.get(path).set(auth(ws.viewer.key)).set('If-None-Match', '"other"').expect(200);
    await t.http
      .patch(`/v1/posts/${posts[3].id}`)
      .set(auth(ws.editor.key))
      .send({ scheduledAt: '2027-02-23T09:00:00Z' })
      .expect(200);
    const changed = await t.http.get(path).set(auth(ws.viewer.key)).set('If-None-Match', first.etag).expect(200);
    expect(changed.headers.etag).not.toBe(first.etag);
    expect(changed.text).toBe(await reference(t, ws.viewer, channel.id, query(FEB)));
    await t.http
      .get(path)
      .set(auth(ws.viewer.key))
      .set('If-None-Match', changed.headers.etag as string)
      .expect(304);
    // A 304 still needs a valid key, and the key of another workspace gets no ETag.
    await t.http
      .get(path)
      .set('If-None-Match', changed.headers.etag as string)
      .expect(401);
    const other = await seedWorkspace(t);
    const foreign = await t.http
      .get(path)
      .set(auth(other.viewer.key))
      .set('If-None-Match', changed.headers.etag as string)
      .expect(404);
    expect(foreign.headers.etag).toBeUndefined();
  });

  it.each([
    ['channel', (ws: { workspaceId: string }, channelId: string) => `/v1/channels/${channelId}/calendar?${FEB}`],
    ['workspace', (ws: { workspaceId: string }) => `/v1/workspaces/${ws.workspaceId}/calendar?${FEB}`],
  ])(
    '%s calendar: gzip when the client accepts it, identity otherwise: the same document, each with its own ETag',
    async (_, pathOf) => {
      const { ws, channel } = await setup();
      const path = pathOf(ws, channel.id);
      const plain = await t.http.get(path).set(auth(ws.viewer.key)).set('Accept-Encoding', 'identity').expect(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');
      expect(plain.headers['content-length']).toBe(String(Buffer.byteLength(plain.text)));
      if (path.startsWith('/v1/channels'))
        expect(plain.text).toBe(await reference(t, ws.viewer, channel.id, query(FEB)));
      const zipped = await t.http
        .get(path)
        .set(auth(ws.viewer.key))
        .set('Accept-Encoding', 'br, gzip;q=0.8')
        .expect(200);
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(Number(zipped.headers['content-length'])).toBeLessThan(Buffer.byteLength(plain.text));
      expect(zipped.text).toBe(plain.text);
      expect(zipped.headers.etag).toBe(`${(plain.headers.etag as string).slice(0, -1)}-gz"`);
      await t.http
        .get(path)
        .set(auth(ws.viewer.key))
        .set('Accept-Encoding', 'gzip;q=0')
        .expect(200)
        .expect((r) => expect(r.headers['content-encoding']).toBeUndefined());
      await t.http
        .get(path)
        .set(auth(ws.viewer.key))
        .set('Accept-Encoding', 'identity')
        .set('If-None-Match', plain.headers.etag as string)
        .expect(304);
      await t.http
        .get(path)
        .set(auth(ws.viewer.key))
        .set('If-None-Match', zipped.headers.etag as string)
        .expect(304);
      // A client that switches representation gets the other one, not a 304.
      await t.http
        .get(path)
        .set(auth(ws.viewer.key))
        .set('Accept-Encoding', 'identity')
        .set('If-None-Match', zipped.headers.etag as string)
        .expect(200);
      // After a change, the compressed answer is the new document, not the one kept before.
      await t.http
        .patch(`/v1/channels/${channel.id}`)
        .set(auth(ws.lead.key))
        .send({ name: 'Renamed for gzip' })
        .expect(200);
      const after = await t.http.get(path).set(auth(ws.viewer.key)).set('Accept-Encoding', 'gzip').expect(200);
      expect(after.headers.etag).not.toBe(zipped.headers.etag);
      expect(after.text).toContain('Renamed for gzip');
      expect(after.text).toBe(
        (await t.http.get(path).set(auth(ws.viewer.key)).set('Accept-Encoding', 'identity').expect(200)).text,
      );
    },
  );

  it("another workspace's changes leave the answer (and its revision) alone", async () => {
    const mine = await setup();
    const theirs = await setup();
    const before = await fresh(mine.ws.viewer, mine.channel.id);
    const [rev] = await t.db.query(`SELECT revision FROM post_plan_revisions WHERE channel_id = $1`, [mine.channel.id]);
    await t.http
      .patch(`/v1/posts/${theirs.posts[0].id}`)
      .set(auth(theirs.ws.editor.key))
      .send({ scheduledAt: '2027-02-21T10:00:00Z' })
      .expect(200);
    await t.http
      .patch(`/v1/channels/${theirs.channel.id}`)
      .set(auth(theirs.ws.lead.key))
      .send({ rules: { cadence: { maxPostsPerDay: 1 } } })
      .expect(200);
    await fresh(theirs.ws.viewer, theirs.channel.id);
    const [revAfter] = await t.db.query(`SELECT revision FROM post_plan_revisions WHERE channel_id = $1`, [
      mine.channel.id,
    ]);
    expect(revAfter.revision).toBe(rev.revision);
    await t.http
      .get(`/v1/channels/${mine.channel.id}/calendar?${FEB}`)
      .set(auth(mine.ws.viewer.key))
      .set('If-None-Match', before.etag)
      .expect(304);
    expect((await fresh(mine.ws.viewer, mine.channel.id)).etag).toBe(before.etag);
    // Nor can their key reach my channel, cached or not.
    await t.http.get(`/v1/channels/${mine.channel.id}/calendar?${FEB}`).set(auth(theirs.ws.lead.key)).expect(404);
  });

  it('a revoked key stops working with the next request; an unknown key is refused before the input is checked', async () => {
    const { ws, channel } = await setup();
    const path = `/v1/channels/${channel.id}/calendar?${FEB}`;
    const { etag } = await fresh(ws.editor, channel.id);
    await t.http
      .delete(`/v1/workspaces/${ws.workspaceId}/members/${ws.editor.memberId}`)
      .set(auth(ws.lead.key))
      .expect(204);
    await t.http.get(path).set(auth(ws.editor.key)).expect(401);
    await t.http.get(path).set(auth(ws.editor.key)).set('If-None-Match', etag).expect(401);
    const unknown = `pal_${'A'.repeat(43)}`;
    await t.http.get(`/v1/channels/not-a-uuid/calendar`).set(auth(unknown)).expect(401);
    await t.http.get(`/v1/channels/${channel.id}/calendar?from=yesterday`).set(auth(unknown)).expect(401);
    await t.http.get(`/v1/channels/not-a-uuid/calendar`).set(auth(ws.viewer.key)).expect(400);
    await t.http.get(`/v1/channels/${channel.id}/calendar?from=yesterday`).set(auth(ws.viewer.key)).expect(400);
    await t.http.get(`/v1/channels/00000000-0000-4000-8000-000000000000/calendar`).set(auth(ws.viewer.key)).expect(404);
  });

  it('the workspace calendar: every channel, one, an archived one, each fresh after changes', async () => {
    const { ws, channel, posts } = await setup();
    const second = await createChannel(t, ws.lead, {
      name: 'Second',
      approvalRequired: false,
      rules: { cadence: { minSpacingMinutes: 600 } },
    });
    await plan(ws.editor, second.id, '2027-02-15T10:00:00Z', 'engagement');
    await plan(ws.editor, second.id, '2027-02-15T11:00:00Z');
    const get = async (q: { from?: string; to?: string; channelId?: string }) => {
      const qs = new URLSearchParams(
        Object.entries(q).filter((e): e is [string, string] => e[1] !== undefined),
      ).toString();
      const res = await t.http
        .get(`/v1/workspaces/${ws.workspaceId}/calendar${qs ? `?${qs}` : ''}`)
        .set(auth(ws.viewer.key))
        .expect(200);
      expect(res.text).toBe(await workspaceReference(ws.viewer, q));
      return res.headers.etag as string;
    };
    const all = { from: '2027-02-01T00:00:00Z', to: '2027-03-01T00:00:00Z' };
    const e1 = await get(all);
    expect(await get(all)).toBe(e1);
    await get({});
    await get({ ...all, channelId: second.id });
    // The channel calendar shares the cached posts of the same range.
    await fresh(ws.viewer, channel.id);
    await t.http
      .patch(`/v1/posts/${posts[0].id}`)
      .set(auth(ws.editor.key))
      .send({ scheduledAt: '2027-02-19T10:00:00Z' })
      .expect(200);
    const e2 = await get(all);
    expect(e2).not.toBe(e1);
    await t.http
      .get(`/v1/workspaces/${ws.workspaceId}/calendar?from=${all.from}&to=${all.to}`)
      .set(auth(ws.viewer.key))
      .set('If-None-Match', e2)
      .expect(304);
    const archived = await t.http
      .patch(`/v1/channels/${second.id}`)
      .set(auth(ws.lead.key))
      .send({ status: 'archived' })
      .expect(200);
    expect(archived.body.status).toBe('archived');
    expect(await get(all)).not.toBe(e2);
    await get({ ...all, channelId: second.id });
  });

  it('two instances on one database: each serves what the other wrote', async () => {
    const { ws, channel, posts } = await setup();
    const other = await createSecondInstance(t);
    try {
      const a1 = await fresh(ws.viewer, channel.id);
      const b1 = await fresh(ws.viewer, channel.id, FEB, other);
      expect(b1.etag).toBe(a1.etag);
      await other.http
        .patch(`/v1/posts/${posts[0].id}`)
        .set(auth(ws.editor.key))
        .send({ scheduledAt: '2027-02-24T10:00:00Z' })
        .expect(200);
      const a2 = await fresh(ws.viewer, channel.id);
      expect(a2.etag).not.toBe(a1.etag);
      await other.http
        .patch(`/v1/channels/${channel.id}`)
        .set(auth(ws.lead.key))
        .send({ rules: { cadence: { maxPostsPerDay: 1 } } })
        .expect(200);
      const a3 = await fresh(ws.viewer, channel.id);
      expect(a3.etag).not.toBe(a2.etag);
      expect((await fresh(ws.viewer, channel.id, FEB, other)).etag).toBe(a3.etag);
      await other.http
        .delete(`/v1/workspaces/${ws.workspaceId}/members/${ws.viewer.memberId}`)
        .set(auth(ws.lead.key))
        .expect(204);
      await t.http.get(`/v1/channels/${channel.id}/calendar?${FEB}`).set(auth(ws.viewer.key)).expect(401);
    } finally {
      await other.close();
    }
  });

  it('keeps at most its byte budget', async () => {
    const cache = t.app.get(CalendarService).cache;
    expect(cache.size.bytes).toBeLessThanOrEqual(cache.maxBytes);
    expect(cache.size.entries).toBeGreaterThan(0);
    const gzipped = t.app.get(CalendarService).workspaceGzip;
    expect(gzipped.size.bytes).toBeLessThanOrEqual(gzipped.maxBytes);
    expect(gzipped.size.entries).toBeGreaterThan(0);
  });

  it('a cached answer reads no rows: the only statement is the change-notification barrier', async () => {
    const { ws, channel } = await setup();
    // Every statement this process sends to PostgreSQL, through TypeORM or not.
    const statements = async (path: string): Promise<string[]> => {
      const sent = jest.spyOn(Client.prototype, 'query');
      try {
        await t.http.get(path).set(auth(ws.viewer.key)).expect(200);
        return sent.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text));
      } finally {
        sent.mockRestore();
      }
    };
    const readsChannels = (sql: string) => /\bchannels\b/.test(sql);
    const barrier = (sql: string) => sql === 'SELECT 1';
    const channelPath = `/v1/channels/${channel.id}/calendar?${FEB}`;
    expect((await statements(channelPath)).filter(readsChannels)).toHaveLength(1); // fills the caches
    const forChannel = await statements(channelPath);
    expect(forChannel.length).toBeGreaterThan(0);
    expect(forChannel.every(barrier)).toBe(true); // the api key's member and the channel come from memory
    for (const q of [FEB, `${FEB}&channelId=${channel.id}`]) {
      const workspacePath = `/v1/workspaces/${ws.workspaceId}/calendar?${q}`;
      await statements(workspacePath);
      const forWorkspace = (await statements(workspacePath)).filter((sql) => !barrier(sql));
      // The workspace, and its active channels with their revisions (with channelId: from memory).
      expect(forWorkspace).toHaveLength(q === FEB ? 2 : 1);
      expect(forWorkspace.filter(readsChannels)).toHaveLength(q === FEB ? 1 : 0);
    }
  });
});
