import { parse } from 'csv-parse/sync';
import { KpiMissedAlerts } from '../../src/alerts/kpi-missed.alerts';
import { LinksService } from '../../src/links/links.service';
import { MetricsService, type MetricSnapshot } from '../../src/metrics/metrics.service';
import { PostEntity } from '../../src/posts/post.entity';
import { ReportsService } from '../../src/reports/reports.service';
import { auth, createChannel, createPost, seedWorkspace, type Session } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/test-app';

const Z = (iso: string) => new Date(iso);
const snap = (at: string, s: Partial<MetricSnapshot>): MetricSnapshot => ({
  at: Z(at),
  likes: null,
  reposts: null,
  replies: null,
  quotes: null,
  clicks: null,
  ...s,
});

/**
 * Acceptance 3 of issue 15: a fixture month (November 2026, Europe/Rome, four full weeks)
 * built with known posts, and every figure of the report asserted. Posts are created and
 * (one) scheduled through the API; being published or failed is then written to their rows
 * with the app's TypeORM repository (publishing a month through the dispatcher would test
 * the dispatcher, not the report). Snapshots go through MetricsService.record and clicks
 * through LinksService.track + recordClick, as the collector and the redirect write them.
 */
describe('channel health report (fixture month)', () => {
  let t: TestApp;
  let lead: Session;
  let viewer: Session;
  let channelId: string;
  const ids: Record<string, string> = {};

  async function publishedRow(name: string, category: string, sched: string, pub: string | null, status = 'published') {
    const id = ids[name] ?? (await createPost(t, lead, channelId, { category, body: `Post ${name}` })).id;
    ids[name] = id;
    await t.db.getRepository(PostEntity).update(id, {
      status: status as PostEntity['status'],
      scheduledAt: Z(sched),
      publishedAt: pub ? Z(pub) : null,
      externalUrl: pub ? `https://social.example/@acme/${name}` : null,
      failureReason: status === 'failed' ? 'rejected' : null,
    });
  }

  async function link(name: string, target: string, clicks: string[]) {
    const links = t.app.get(LinksService);
    const urls = await links.track(
      { postId: ids[name], channelId, workspaceId: lead.workspaceId, campaign: 'winter' },
      [target],
    );
    const code = urls.get(target)!.split('/l/')[1];
    for (const at of clicks) await links.recordClick(code, Z(at));
  }

  beforeAll(async () => {
    t = await createTestApp({ now: '2026-10-01T08:00:00Z', config: { publicUrl: 'https://pal.example' } });
    const ws = await seedWorkspace(t);
    lead = ws.lead;
    viewer = ws.viewer;
    await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/categories`)
      .set(auth(lead.key))
      .send({ key: 'promotional', name: 'Promotional' })
      .expect((r) => expect([201, 409]).toContain(r.status));
    channelId = (
      await createChannel(t, lead, {
        approvalRequired: false,
        purpose: 'Show the workshop',
        goal: 'awareness',
        kpis: ['brand love', { metric: 'posts', period: 'week', target: 2, alertAfter: 2 }],
        utm: { campaign: 'winter' },
        rules: {
          cadence: { postsPerWeek: 2, maxPostsPerDay: 1 },
          mix: { windowDays: 7, limits: { promotional: { max: 0.3 } } },
        },
      })
    ).id;

    // B is scheduled by a lead through an override (the audit trail counts it).
    ids.B = (await createPost(t, lead, channelId, { category: 'promotional', body: 'Post B' })).id;
    await t.http
      .post(`/v1/posts/${ids.B}/schedule`)
      .set(auth(lead.key))
      .send({ scheduledAt: '2026-11-04T17:00:00Z', override: { reason: 'Launch offer' } })
      .expect(200);

    // Previous period (5 Oct - 1 Nov): one post.
    await publishedRow('P1', 'informative', '2026-10-14T08:00:00Z', '2026-10-14T08:00:00Z');
    // Week of 2 Nov: A on time (4 s), B 12 min late.
    await publishedRow('A', 'informative', '2026-11-02T08:00:00Z', '2026-11-02T08:00:04Z');
    await publishedRow('B', 'promotional', '2026-11-04T17:00:00Z', '2026-11-04T17:12:00Z');
    // Week of 9 Nov: C on time, F failed.
    await publishedRow('C', 'informative', '2026-11-10T08:00:00Z', '2026-11-10T08:00:00Z');
    await publishedRow('F', 'informative', '2026-11-12T08:00:00Z', null, 'failed');
    // Week of 16 Nov: nothing. Week of 23 Nov: D (60 s), E (30 s).
    await publishedRow('D', 'informative', '2026-11-23T08:00:00Z', '2026-11-23T08:01:00Z');
    await publishedRow('E', 'promotional', '2026-11-28T11:00:00Z', '2026-11-28T11:00:30Z');

    const metrics = t.app.get(MetricsService);
    await metrics.record(ids.P1, snap('2026-10-15T08:00:00Z', { likes: 4 }));
    await metrics.record(ids.A, snap('2026-11-03T08:00:00Z', { likes: 10, reposts: 3, replies: 2, quotes: 0 }));
    await metrics.record(ids.B, snap('2026-11-05T17:00:00Z', { likes: 2, reposts: 0, replies: 1 }));
    await metrics.record(ids.D, snap('2026-11-24T08:00:00Z', { likes: 7, reposts: 1, replies: 0, quotes: 1 }));
    await metrics.record(ids.E, snap('2026-11-28T12:00:00Z', { likes: 1 }));
    await metrics.record(ids.E, snap('2026-11-29T11:00:00Z', { likes: 5, reposts: 1 }));

    await link('P1', 'https://acme.example/p?utm_campaign=winter', ['2026-10-15T09:00:00Z', '2026-10-15T10:00:00Z']);
    await link(
      'A',
      'https://acme.example/a?utm_campaign=winter',
      ['03', '03', '04', '05', '06', '07'].map((d) => `2026-11-${d}T09:00:00Z`),
    );
    // The last of D's clicks comes after the period (30 Nov): not counted.
    await link('D', 'https://acme.example/d?utm_campaign=winter', [
      '2026-11-23T09:00:00Z',
      '2026-11-24T09:00:00Z',
      '2026-11-25T09:00:00Z',
      '2026-11-26T09:00:00Z',
      '2026-11-30T09:00:00Z',
    ]);
    t.clock.set(Z('2026-12-01T08:00:00Z'));
  });

  afterAll(() => t?.close());

  it('answers every figure of the month', async () => {
    const res = await t.http
      .get(`/v1/channels/${channelId}/report?from=2026-11-02&to=2026-11-29`)
      .set(auth(viewer.key))
      .expect(200);
    const r = res.body;
    expect(r.channel).toEqual({ id: channelId, name: 'Acme Mastodon', platform: 'mock', timezone: 'Europe/Rome' });
    expect(r.period).toEqual({
      from: '2026-11-02',
      to: '2026-11-29',
      start: '2026-11-01T23:00:00.000Z',
      end: '2026-11-29T23:00:00.000Z',
    });
    expect(r.previousPeriod).toEqual({
      from: '2026-10-05',
      to: '2026-11-01',
      start: '2026-10-04T22:00:00.000Z',
      end: '2026-11-01T23:00:00.000Z',
    });
    expect(r.reason).toEqual({
      purpose: true,
      audience: false,
      goal: true,
      kpis: true,
      missing: ['audience'],
      complete: false,
    });
    expect(r.discipline).toEqual({
      postsPublished: 5,
      postsPerWeekTarget: 2,
      weeks: [
        { weekStart: '2026-11-02', published: 2, target: 2, met: true, partial: false },
        { weekStart: '2026-11-09', published: 1, target: 2, met: false, partial: false },
        { weekStart: '2026-11-16', published: 0, target: 2, met: false, partial: false },
        { weekStart: '2026-11-23', published: 2, target: 2, met: true, partial: false },
      ],
      weeksMet: 2,
      weeksJudged: 4,
      longestGapHours: 312.02, // C (10 Nov 08:00) -> D (23 Nov 08:01)
      onTimeShare: 0.6667, // A, C, D, E of 5 published + 1 failed
      latenessP50Seconds: 30,
      latenessP95Seconds: 720,
      failures: 1,
      overrides: 1,
      previous: {
        postsPublished: 1,
        postsPerWeekTarget: 2,
        weeksMet: 0,
        weeksJudged: 4,
        longestGapHours: null,
        onTimeShare: 1,
        latenessP50Seconds: 0,
        latenessP95Seconds: 0,
        failures: 0,
        overrides: 0,
      },
    });
    expect(r.mix).toEqual({
      limits: [{ category: 'promotional', min: null, max: 0.3 }],
      weeks: [
        { weekStart: '2026-11-02', posts: 2, shares: { informative: 0.5, promotional: 0.5 } },
        { weekStart: '2026-11-09', posts: 1, shares: { informative: 1 } },
        { weekStart: '2026-11-16', posts: 0, shares: {} },
        { weekStart: '2026-11-23', posts: 2, shares: { informative: 0.5, promotional: 0.5 } },
      ],
      overall: [
        { category: 'informative', posts: 3, share: 0.6, min: null, max: null, withinLimits: true },
        { category: 'promotional', posts: 2, share: 0.4, min: null, max: 0.3, withinLimits: false },
      ],
      previous: [{ category: 'informative', posts: 1, share: 1 }],
    });
    expect(r.engagement.totals).toEqual({
      posts: 5,
      measured: 4,
      likes: 24,
      reposts: 5,
      replies: 3,
      quotes: 1,
      engagements: 33,
      perPost: 8.25,
    });
    expect(r.engagement.previous).toEqual({
      posts: 1,
      measured: 1,
      likes: 4,
      reposts: 0,
      replies: 0,
      quotes: 0,
      engagements: 4,
      perPost: 4,
    });
    const row = (name: string) => r.engagement.posts.find((p: { postId: string }) => p.postId === ids[name]);
    expect(r.engagement.posts.map((p: { postId: string }) => p.postId)).toEqual(
      ['A', 'B', 'C', 'D', 'E'].map((n) => ids[n]),
    );
    expect(row('A')).toEqual({
      postId: ids.A,
      scheduledAt: '2026-11-02T08:00:00.000Z',
      publishedAt: '2026-11-02T08:00:04.000Z',
      category: 'informative',
      campaign: 'winter',
      url: 'https://social.example/@acme/A',
      likes: 10,
      reposts: 3,
      replies: 2,
      quotes: 0,
      engagements: 15,
      clicks: 6,
      metricsAt: '2026-11-03T08:00:00.000Z',
    });
    expect(row('B')).toMatchObject({ likes: 2, reposts: 0, replies: 1, quotes: null, engagements: 3, clicks: null });
    expect(row('C')).toMatchObject({ likes: null, engagements: null, clicks: null, metricsAt: null });
    expect(row('D')).toMatchObject({ engagements: 9, clicks: 4 });
    expect(row('E')).toMatchObject({ likes: 5, reposts: 1, engagements: 6, metricsAt: '2026-11-29T11:00:00.000Z' });
    expect(r.engagement.byCategory).toEqual([
      { category: 'informative', posts: 3, engagements: 24, perPost: 12 },
      { category: 'promotional', posts: 2, engagements: 9, perPost: 4.5 },
    ]);
    expect(r.engagement.byCampaign).toEqual([{ campaign: 'winter', posts: 5, engagements: 33, clicks: 10 }]);
    expect(r.clicks.total).toBe(10);
    expect(r.clicks.previous).toBe(2);
    expect(r.clicks.byPost).toEqual(
      expect.arrayContaining([
        { postId: ids.A, clicks: 6 },
        { postId: ids.D, clicks: 4 },
      ]),
    );
    expect(r.clicks.byPost).toHaveLength(2);
    expect(r.clicks.byLink).toEqual(
      expect.arrayContaining([
        { postId: ids.A, url: 'https://acme.example/a?utm_campaign=winter', clicks: 6 },
        { postId: ids.D, url: 'https://acme.example/d?utm_campaign=winter', clicks: 4 },
      ]),
    );
    expect(r.clicks.byLink).toHaveLength(2);
    expect(r.clicks.byCampaign).toEqual([{ campaign: 'winter', clicks: 10 }]);
    // Whole history (P1 of October included; C has no snapshot), in Rome's wall clock.
    expect(r.bestTimes.cells).toEqual([
      { weekday: 1, hour: 9, posts: 2, medianEngagement: 12 },
      { weekday: 3, hour: 10, posts: 1, medianEngagement: 4 },
      { weekday: 3, hour: 18, posts: 1, medianEngagement: 3 },
      { weekday: 6, hour: 12, posts: 1, medianEngagement: 6 },
    ]);
    expect(r.kpis).toEqual([
      { text: 'brand love' },
      {
        metric: 'posts',
        period: 'week',
        target: 2,
        alertAfter: 2,
        periods: [
          { start: '2026-11-02', actual: 2, met: true, partial: false },
          { start: '2026-11-09', actual: 1, met: false, partial: false },
          { start: '2026-11-16', actual: 0, met: false, partial: false },
          { start: '2026-11-23', actual: 2, met: true, partial: false },
        ],
        met: 2,
        missed: 2,
        missedInARow: 0,
        missedSince: null,
      },
    ]);
  });

  it('gives the same posts as CSV, parsed back with a CSV parser', async () => {
    const json = (
      await t.http.get(`/v1/channels/${channelId}/report?from=2026-11-02&to=2026-11-29`).set(auth(viewer.key))
    ).body;
    const res = await t.http
      .get(`/v1/channels/${channelId}/report?from=2026-11-02&to=2026-11-29`)
      .set(auth(viewer.key))
      .set('Accept', 'text/csv')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="palinsesto-channel-${channelId}-2026-11-02-2026-11-29.csv"`,
    );
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0])).toEqual([
      'postId',
      'scheduledAt',
      'publishedAt',
      'category',
      'campaign',
      'url',
      'likes',
      'reposts',
      'replies',
      'quotes',
      'engagements',
      'clicks',
      'metricsAt',
    ]);
    const asCells = (p: Record<string, unknown>) =>
      Object.fromEntries(Object.keys(rows[0]).map((k) => [k, p[k] === null ? '' : String(p[k])]));
    expect(rows).toEqual(json.engagement.posts.map(asCells));
  });

  it('reports the workspace: every channel, totals, and a CSV with a channel column', async () => {
    const r = (
      await t.http
        .get(`/v1/workspaces/${lead.workspaceId}/report?from=2026-11-02&to=2026-11-29`)
        .set(auth(viewer.key))
        .expect(200)
    ).body;
    expect(r.workspace).toMatchObject({ id: lead.workspaceId, timezone: 'Europe/Rome' });
    expect(r.period).toMatchObject({ from: '2026-11-02', to: '2026-11-29' });
    expect(r.channels).toHaveLength(1);
    expect(r.channels[0].bestTimes).toBeUndefined();
    expect(r.channels[0].discipline.postsPublished).toBe(5);
    expect(r.totals).toEqual({ postsPublished: 5, engagements: 33, clicks: 10 });
    const csv = await t.http
      .get(`/v1/workspaces/${lead.workspaceId}/report?from=2026-11-02&to=2026-11-29`)
      .set(auth(viewer.key))
      .set('Accept', 'text/csv')
      .expect(200);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((x) => [x.channel, x.postId, x.engagements])).toEqual([
      ['Acme Mastodon', ids.A, '15'],
      ['Acme Mastodon', ids.B, '3'],
      ['Acme Mastodon', ids.C, ''],
      ['Acme Mastodon', ids.D, '9'],
      ['Acme Mastodon', ids.E, '6'],
    ]);
  });

  it("gives the digest its channel summaries over the workspace's range", async () => {
    const summaries = await t.app
      .get(ReportsService)
      .channelSummaries(lead.workspaceId, Z('2026-11-01T23:00:00Z'), Z('2026-11-29T23:00:00Z'));
    expect(summaries).toEqual([
      {
        channelId,
        name: 'Acme Mastodon',
        platform: 'mock',
        timezone: 'Europe/Rome',
        postsPublished: 5,
        postsPerWeekTarget: 2,
        cadenceMet: false,
        longestGapHours: 312.02,
        onTimeShare: 0.6667,
        failures: 1,
        mix: [
          { category: 'informative', share: 0.6, min: null, max: null, withinLimits: true },
          { category: 'promotional', share: 0.4, min: null, max: 0.3, withinLimits: false },
        ],
        engagements: 33,
        engagementsChange: 29,
        clicks: 10,
        clicksChange: 8,
        reasonMissing: ['audience'],
      },
    ]);
  });

  it('defaults to the last 4 full weeks and refuses bad ranges with a 400 problem', async () => {
    const r = (await t.http.get(`/v1/channels/${channelId}/report`).set(auth(viewer.key)).expect(200)).body;
    expect(r.period).toMatchObject({ from: '2026-11-02', to: '2026-11-29' });
    for (const q of [
      'from=2026-11-02',
      'from=2026-11-31&to=2026-12-01',
      'from=2026-11-02&to=2026-11-01',
      'from=2025-01-01&to=2026-11-01',
      'from=x&to=y',
      'when=now',
    ]) {
      const res = await t.http.get(`/v1/channels/${channelId}/report?${q}`).set(auth(viewer.key)).expect(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    }
  });

  it('next-slot?prefer=engagement picks the best-performing allowed hour, never a rule-breaking one', async () => {
    const url = `/v1/channels/${channelId}/next-slot?category=informative`;
    // Now Tue 1 Dec 09:00 Rome. Best cell: Monday 09 (median 12) -> Mon 7 Dec 09:00 Rome.
    expect((await t.http.get(url).set(auth(viewer.key)).expect(200)).body).toEqual({
      scheduledAt: '2026-12-01T08:01:00.000Z',
    });
    expect((await t.http.get(`${url}&prefer=engagement`).set(auth(viewer.key)).expect(200)).body).toEqual({
      scheduledAt: '2026-12-07T08:00:00.000Z',
      basis: 'engagement',
    });
    // A post on Monday 7 Dec fills that day (maxPostsPerDay 1): the next best allowed cell is Saturday 12 (6).
    const g = await createPost(t, lead, channelId, { body: 'Post G' });
    await t.http
      .post(`/v1/posts/${g.id}/schedule`)
      .set(auth(lead.key))
      .send({ scheduledAt: '2026-12-07T14:00:00Z' })
      .expect(200);
    expect((await t.http.get(`${url}&prefer=engagement`).set(auth(viewer.key)).expect(200)).body).toEqual({
      scheduledAt: '2026-12-05T11:00:00.000Z',
      basis: 'engagement',
    });
    await t.http.get(`${url}&prefer=clicks`).set(auth(viewer.key)).expect(400);
    // A channel without history keeps the plain next slot.
    const fresh = await createChannel(t, lead, { name: 'Fresh' });
    expect(
      (
        await t.http
          .get(`/v1/channels/${fresh.id}/next-slot?category=informative&prefer=engagement`)
          .set(auth(viewer.key))
          .expect(200)
      ).body,
    ).toEqual({ scheduledAt: '2026-12-01T08:01:00.000Z', basis: 'earliest' });
  });
});

describe('measurable KPIs and kpi_missed', () => {
  let t: TestApp;
  let lead: Session;

  beforeAll(async () => {
    t = await createTestApp({ now: '2026-11-01T08:00:00Z' });
    lead = (await seedWorkspace(t)).lead;
  });
  afterAll(() => t?.close());

  it('stores KPI items as given and refuses a bad one with a clear 400', async () => {
    const kpis = ['newsletter signups', { metric: 'clicks', period: 'month', target: 40, alertAfter: 3 }];
    const c = await createChannel(t, lead, { kpis });
    const got = (await t.http.get(`/v1/channels/${c.id}`).set(auth(lead.key)).expect(200)).body;
    expect(got.kpis).toEqual(kpis);
    expect(got.missingStrategy).toEqual(['purpose', 'audience', 'goal']);
    for (const bad of [
      { metric: 'likes', period: 'week', target: 1 },
      { metric: 'posts', period: 'day', target: 1 },
      { metric: 'posts', period: 'week', target: -1 },
      { metric: 'informativeShare', period: 'week', target: 2 },
      { metric: 'posts', period: 'week', target: 1, alertAfter: 0 },
      { metric: 'posts', period: 'week', target: 1, colour: 'red' },
      42,
    ]) {
      const res = await t.http
        .post(`/v1/workspaces/${lead.workspaceId}/channels`)
        .set(auth(lead.key))
        .send({ name: 'Bad', platform: 'mock', handle: '@bad', timezone: 'Europe/Rome', kpis: ['ok', bad] })
        .expect(400);
      expect(JSON.stringify(res.body)).toContain('kpis[1]');
    }
  });

  it('opens one alert when a KPI is missed alertAfter closed periods in a row, and closes it when met', async () => {
    const c = await createChannel(t, lead, {
      name: 'KPI channel',
      kpis: [{ metric: 'posts', period: 'week', target: 1, alertAfter: 2 }],
    });
    // The channel exists since Monday 2 Nov (periods before it are not judged).
    await t.db.query(`UPDATE channels SET created_at = $2 WHERE id = $1`, [c.id, '2026-11-01T23:00:00Z']);
    const p = await createPost(t, lead, c.id);
    await t.db.getRepository(PostEntity).update(p.id, {
      status: 'published',
      scheduledAt: Z('2026-11-03T08:00:00Z'),
      publishedAt: Z('2026-11-03T08:00:00Z'),
    });
    const kpi = t.app.get(KpiMissedAlerts);
    const alerts = async () =>
      (
        (await t.http.get(`/v1/workspaces/${lead.workspaceId}/alerts`).set(auth(lead.key)).expect(200)).body.items as {
          kind: string;
          from: string;
          to: string;
          resolvedAt: string | null;
          message: string;
        }[]
      ).filter((a) => a.kind === 'kpi_missed');

    t.clock.set(Z('2026-11-17T08:00:00Z')); // weeks of 2 Nov (met) and 9 Nov (missed): one miss
    expect(await kpi.scan()).toBe(0);
    t.clock.set(Z('2026-11-24T08:00:00Z')); // 9 and 16 Nov missed: two in a row
    expect(await kpi.scan()).toBe(1);
    expect(await kpi.scan()).toBe(0);
    t.clock.set(Z('2026-12-01T08:00:00Z')); // 23 Nov missed too: the same alert, longer
    expect(await kpi.scan()).toBe(0);
    let found = await alerts();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      from: '2026-11-08T23:00:00.000Z',
      to: '2026-11-29T23:00:00.000Z',
      resolvedAt: null,
      message: 'KPI missed 3 weeks in a row: posts published per week, target 1; the last week reached 0.',
    });
    const q = await createPost(t, lead, c.id);
    await t.db.getRepository(PostEntity).update(q.id, {
      status: 'published',
      scheduledAt: Z('2026-12-01T08:00:00Z'),
      publishedAt: Z('2026-12-01T08:00:00Z'),
    });
    t.clock.set(Z('2026-12-08T08:00:00Z')); // week of 30 Nov met: the run is over
    expect(await kpi.scan()).toBe(0);
    found = await alerts();
    expect(found).toHaveLength(1);
    expect(found[0].resolvedAt).not.toBeNull();
  });
});
