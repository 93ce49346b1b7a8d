import { FixedClock } from '../../common/clock';
import { MockAdapter } from './mock.adapter';
import type { PublishablePost, PublishTarget } from './platform-adapter';
import { PublishError } from './publish-error';

function post(id: string): PublishablePost {
  return {
    id,
    body: 'Prova',
    title: 'Titolo',
    link: null,
    category: 'informative',
    scheduledAt: new Date('2026-01-05T09:00:00Z'),
  };
}

function target(channelId: string, credentials: Record<string, unknown> = {}): PublishTarget {
  return { channelId, platform: 'mock', name: 'Prova', handle: 'prova', credentials };
}

describe('MockAdapter', () => {
  const clock = new FixedClock(new Date('2026-01-05T09:00:01Z'));
  let adapter: MockAdapter;
  beforeEach(() => {
    adapter = new MockAdapter(clock);
  });

  it('records the publication and returns a mock:// url and a uuid-shaped id', async () => {
    const outcome = await adapter.publish(post('p1'), target('c1'), 'p1');
    expect(outcome.externalUrl).toBe('mock://c1/p1');
    expect(outcome.externalId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(adapter.published).toEqual([
      {
        channelId: 'c1',
        postId: 'p1',
        idempotencyKey: 'p1',
        ...outcome,
        text: 'Titolo\n\nProva',
        publishedAt: new Date('2026-01-05T09:00:01Z'),
      },
    ]);
  });

  it('is idempotent on the key: same outcome, one record', async () => {
    const first = await adapter.publish(post('p1'), target('c1'), 'p1');
    const again = await adapter.publish(post('p1'), target('c1'), 'p1');
    expect(again).toEqual(first);
    expect(adapter.published).toHaveLength(1);
    const other = await adapter.publish(post('p2'), target('c1'), 'p2');
    expect(other.externalId).not.toBe(first.externalId);
    expect(adapter.published).toHaveLength(2);
  });

  it('fails every Nth publication of a channel with a retryable transient error', async () => {
    const every3 = target('c1', { failEvery: 3 });
    await adapter.publish(post('p1'), every3, 'p1');
    await adapter.publish(post('p2'), every3, 'p2');
    const error = await adapter.publish(post('p3'), every3, 'p3').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ kind: 'transient', retryable: true });
    // another channel has its own counter
    await adapter.publish(post('q1'), target('c2', { failEvery: 3 }), 'q1');
    // the retry of p3 is the 4th call on c1 and goes through
    await expect(adapter.publish(post('p3'), every3, 'p3')).resolves.toMatchObject({ externalUrl: 'mock://c1/p3' });
    expect(adapter.published.map((p) => p.postId)).toEqual(['p1', 'p2', 'q1', 'p3']);
  });

  it('waits latencyMs, and an abort during the wait publishes nothing', async () => {
    const slow = target('c1', { latencyMs: 150 });
    const started = performance.now();
    await adapter.publish(post('p1'), slow, 'p1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await adapter.publish(post('p2'), slow, 'p2', controller.signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'transient' });
    expect(adapter.published.map((p) => p.postId)).toEqual(['p1']);
  });

  it('refuses malformed rehearsal settings', async () => {
    await expect(adapter.publish(post('p1'), target('c1', { failEvery: 'often' }), 'p1')).rejects.toMatchObject({
      kind: 'rejected',
    });
  });
});
