import { EventEmitter2 } from '@nestjs/event-emitter';
import { AfterCommitEvents } from '../../src/database/after-commit-events';
import { PLAN_CHANGED, type PlanChangedEvent } from '../../src/posts/post.events';
import { POST_PUBLISH_FAILED, POST_PUBLISHED, type PostPublishedEvent } from '../../src/publishing/publishing.events';
import { auth, createChannel, createPost, seedWorkspace, type Session } from '../support/fixtures';
import { createPublishingApp, postState, type PublishingTestApp } from '../publishing/publishing-app';

// Monday 4 January 2027, 09:00 in Rome.
const NOW = '2027-01-04T08:00:00Z';

/**
 * The public events (docs/events.md) as a subscriber hears them through the real
 * application: each once, after its change committed (the listener reads the change from
 * another connection), never for a change that was refused.
 */
describe('public events', () => {
  let t: PublishingTestApp;
  let s: { lead: Session; editor: Session; workspaceId: string };
  const heard: { name: string; payload: Record<string, unknown>; stored: Record<string, unknown> | undefined }[] = [];

  beforeAll(async () => {
    t = await createPublishingApp({ now: NOW });
    s = await seedWorkspace(t);
    const emitter = t.app.get(EventEmitter2);
    for (const name of [PLAN_CHANGED, POST_PUBLISHED, POST_PUBLISH_FAILED]) {
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- async listeners are awaited by AfterCommitEvents
      emitter.on(name, async (payload: { postId: string }) => {
        const entry: (typeof heard)[number] = {
          name,
          payload: payload as unknown as Record<string, unknown>,
          stored: undefined,
        };
        heard.push(entry); // in the order heard
        [entry.stored] = (await t.db.query('SELECT status, version, scheduled_at FROM posts WHERE id = $1', [
          payload.postId,
        ])) as Record<string, unknown>[];
      });
    }
  });
  afterAll(() => t.close());
  beforeEach(() => (heard.length = 0));

  const settled = () => t.app.get(AfterCommitEvents).settled();

  it('plan.changed: one per change of a post, as committed; nothing for a refused change', async () => {
    const channel = await createChannel(t, s.lead, {
      approvalRequired: false,
      rules: { enforcement: 'block', cadence: { maxPostsPerDay: 1 } },
    });
    const first = await createPost(t, s.editor, channel.id);
    await t.http
      .post(`/v1/posts/${first.id}/schedule`)
      .set(auth(s.editor.key))
      .send({ scheduledAt: '2027-01-12T09:00:00+01:00' })
      .expect(200);
    const second = await createPost(t, s.editor, channel.id);
    await settled();
    expect(heard.map((h) => [h.name, h.payload.postId, h.payload.action])).toEqual([
      [PLAN_CHANGED, first.id, 'create'],
      [PLAN_CHANGED, first.id, 'schedule'],
      [PLAN_CHANGED, second.id, 'create'],
    ]);
    const scheduled = heard[1].payload as unknown as PlanChangedEvent;
    expect(scheduled).toEqual({
      workspaceId: s.workspaceId,
      channelId: channel.id,
      postId: first.id,
      action: 'schedule',
      status: 'scheduled',
      version: 2,
      scheduledAt: new Date('2027-01-12T08:00:00Z'),
      previousScheduledAt: null,
      actorMemberId: s.editor.memberId,
      changedAt: new Date(NOW),
    });
    // What the listener read from another connection is the committed change.
    expect(heard[1].stored).toEqual({
      status: 'scheduled',
      version: 2,
      scheduled_at: new Date('2027-01-12T08:00:00Z'),
    });

    heard.length = 0;
    // Refused by the rule: rolled back, nothing stated.
    await t.http
      .post(`/v1/posts/${second.id}/schedule`)
      .set(auth(s.editor.key))
      .send({ scheduledAt: '2027-01-12T18:00:00+01:00' })
      .expect(422);
    // Refused by the state machine and by If-Match: nothing either.
    await t.http.post(`/v1/posts/${first.id}/submit`).set(auth(s.editor.key)).expect(409);
    await t.http
      .patch(`/v1/posts/${first.id}`)
      .set({ ...auth(s.editor.key), 'If-Match': '"1"' })
      .send({ body: 'Stale' })
      .expect(412);
    await settled();
    expect(heard).toEqual([]);

    await t.http
      .patch(`/v1/posts/${first.id}`)
      .set(auth(s.editor.key))
      .send({ scheduledAt: '2027-01-13T09:00:00+01:00' })
      .expect(200);
    await t.http.post(`/v1/posts/${first.id}/cancel`).set(auth(s.lead.key)).send({}).expect(200);
    await t.http.delete(`/v1/posts/${second.id}`).set(auth(s.editor.key)).expect(204);
    await settled();
    expect(
      heard.map((h) => [
        h.payload.postId,
        h.payload.action,
        h.payload.status,
        h.payload.scheduledAt,
        h.payload.previousScheduledAt,
      ]),
    ).toEqual([
      [first.id, 'edit', 'scheduled', new Date('2027-01-13T08:00:00Z'), new Date('2027-01-12T08:00:00Z')],
      [first.id, 'cancel', 'cancelled', new Date('2027-01-13T08:00:00Z'), new Date('2027-01-13T08:00:00Z')],
      [second.id, 'delete', null, null, null],
    ]);
    expect(heard[2].stored).toBeUndefined(); // the deletion had committed
  });

  it('post.published and post.publish_failed: once each, after the outcome is recorded', async () => {
    const channel = await createChannel(t, s.lead, { approvalRequired: false });
    const ok = await createPost(t, s.editor, channel.id);
    const late = await createPost(t, s.editor, channel.id);
    await t.http
      .post(`/v1/posts/${late.id}/schedule`)
      .set(auth(s.editor.key))
      .send({ scheduledAt: '2027-01-04T10:00:00+01:00' })
      .expect(200);
    t.clock.set('2027-01-04T20:00:00Z'); // 11 hours late: missed
    await t.dispatcher.drain();
    await t.http
      .post(`/v1/posts/${ok.id}/schedule`)
      .set(auth(s.editor.key))
      .send({ scheduledAt: '2027-01-04T21:30:00+01:00' })
      .expect(200);
    t.clock.set('2027-01-04T20:30:00Z');
    await t.dispatcher.drain();

    const outcomes = heard.filter((h) => h.name !== PLAN_CHANGED);
    expect(outcomes.map((h) => [h.name, h.payload.postId])).toEqual([
      [POST_PUBLISH_FAILED, late.id],
      [POST_PUBLISHED, ok.id],
    ]);
    expect(outcomes[0].payload).toMatchObject({
      channelId: channel.id,
      reason: 'missed',
      attempts: 1,
      scheduledAt: new Date('2027-01-04T09:00:00Z'),
      failedAt: new Date('2027-01-04T20:00:00Z'),
    });
    expect(outcomes[0].stored).toMatchObject({ status: 'failed' });
    const published = await postState(t, s.lead.key, ok.id);
    expect(outcomes[1].payload as unknown as PostPublishedEvent).toEqual({
      postId: ok.id,
      workspaceId: s.workspaceId,
      channelId: channel.id,
      platform: 'mock',
      externalId: published.externalId,
      externalUrl: published.externalUrl,
      attempts: 1,
      scheduledAt: new Date('2027-01-04T20:30:00Z'),
      publishedAt: new Date(published.publishedAt!),
    });
    expect(outcomes[1].stored).toMatchObject({ status: 'published' });
    t.clock.set(NOW);
  });
});
