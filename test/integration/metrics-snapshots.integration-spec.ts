import { MetricsService } from '../../src/metrics/metrics.service';
import { createChannel, createPost, seedWorkspace } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/test-app';

// MetricsService's seam (issue 15): record, snapshotsOf (oldest first), latestFor (newest per post).
describe('metric snapshots (MetricsService)', () => {
  let t: TestApp;
  let metrics: MetricsService;

  beforeAll(async () => {
    t = await createTestApp();
    metrics = t.app.get(MetricsService);
  });
  afterAll(() => t.close());

  it('keeps a time series per post: all oldest first, the newest per post', async () => {
    const { lead } = await seedWorkspace(t);
    const channel = await createChannel(t, lead);
    const a = await createPost(t, lead, channel.id);
    const b = await createPost(t, lead, channel.id);
    const c = await createPost(t, lead, channel.id);
    const snap = (iso: string, likes: number | null, clicks: number | null = null) => ({
      at: new Date(iso),
      likes,
      reposts: likes === null ? null : likes + 1,
      replies: 0,
      quotes: null,
      clicks,
    });
    // Recorded out of order: the series is ordered by time, not by insertion.
    await metrics.record(a.id, snap('2027-01-05T09:00:00Z', 5));
    await metrics.record(a.id, snap('2027-01-04T09:00:00Z', 1, 3));
    await metrics.record(a.id, snap('2027-01-06T09:00:00Z', 9));
    await metrics.record(b.id, snap('2027-01-04T10:00:00Z', null));

    expect(await metrics.snapshotsOf(a.id)).toEqual([
      snap('2027-01-04T09:00:00Z', 1, 3),
      snap('2027-01-05T09:00:00Z', 5),
      snap('2027-01-06T09:00:00Z', 9),
    ]);
    expect(await metrics.snapshotsOf(c.id)).toEqual([]);
    const latest = await metrics.latestFor([a.id, b.id, c.id]);
    expect([...latest.keys()].sort()).toEqual([a.id, b.id].sort());
    expect(latest.get(a.id)).toEqual(snap('2027-01-06T09:00:00Z', 9));
    expect(latest.get(b.id)).toEqual(snap('2027-01-04T10:00:00Z', null));
    expect(await metrics.latestFor([])).toEqual(new Map());
  });
});
