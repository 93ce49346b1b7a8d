import { EventEmitter2 } from '@nestjs/event-emitter';
import { FixedClock } from '../../src/common/clock';
import { POST_PUBLISH_FAILED, type PostPublishFailedEvent } from '../../src/publishing/publishing.events';
import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';

// Monday 4 January 2027, 09:00 in Rome.
const NOW = '2027-01-04T08:00:00Z';

/**
 * Every failed post gets its publish_failed alert: the `post.publish_failed` event opens it
 * at once, and the gap scan's sweep opens it when the event was lost (the instance died
 * between the commit of the failure and its listener). Two instances on one database.
 */
describe('publish_failed alerts: the event is the fast path, the sweep the guarantee', () => {
  let a: AlertsTestApp;
  let b: AlertsTestApp;
  const clock = new FixedClock(new Date(NOW));
  const hooks = new WebhookReceiverFake();
  let ws: { lead: Session; editor: Session; workspaceId: string };
  let channelId: string;

  beforeAll(async () => {
    await hooks.start();
    a = await createAlertsApp({ clock });
    b = await createAlertsApp({ clock, databaseUrl: a.databaseUrl });
    ws = await seedWorkspace(a);
    await a.http
      .put(`/v1/workspaces/${ws.workspaceId}/alert-settings`)
      .set(auth(ws.lead.key))
      .send({ lookaheadDays: 7, webhooks: [{ url: `${hooks.url}/failed` }] })
      .expect(200);
    channelId = (await createChannel(a, ws.lead, { name: 'Acme Failing', approvalRequired: false })).id;
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await hooks.stop();
  });

  /** A post due at `at` (Rome wall clock), failed as missed by instance `a`, 11 hours later. */
  async function failedPost(at: string): Promise<string> {
    clock.set(NOW);
    const post = await a.http
      .post(`/v1/channels/${channelId}/posts`)
      .set(auth(ws.editor.key))
      .send({ body: 'Hello', category: 'informative' })
      .expect(201);
    await a.http
      .post(`/v1/posts/${post.body.id}/schedule`)
      .set(auth(ws.editor.key))
      .send({ scheduledAt: at })
      .expect(200);
    clock.set(new Date(Date.parse(at) + 11 * 3_600_000));
    await a.dispatcher.drain();
    const state = await a.http.get(`/v1/posts/${post.body.id}`).set(auth(ws.lead.key)).expect(200);
    expect(state.body).toMatchObject({ status: 'failed' });
    return post.body.id as string;
  }

  /** Instance `a` loses its `post.publish_failed` deliveries while `work` runs (they are recorded instead). */
  async function losingEvents(work: () => Promise<unknown>): Promise<PostPublishFailedEvent[]> {
    const emitter = a.app.get(EventEmitter2);
    const listeners = emitter.listeners(POST_PUBLISH_FAILED);
    const lost: PostPublishFailedEvent[] = [];
    emitter.removeAllListeners(POST_PUBLISH_FAILED);
    emitter.on(POST_PUBLISH_FAILED, (e: PostPublishFailedEvent) => void lost.push(e));
    try {
      await work();
    } finally {
      emitter.removeAllListeners(POST_PUBLISH_FAILED);
      for (const listener of listeners) emitter.on(POST_PUBLISH_FAILED, listener as (...args: unknown[]) => void);
    }
    return lost;
  }

  /** The publish_failed alerts of the post due at `from`. */
  async function failureAlerts(from: string) {
    const res = await a.http.get(`/v1/workspaces/${ws.workspaceId}/alerts`).set(auth(ws.lead.key)).expect(200);
    return (
      res.body.items as { id: string; kind: string; from: string; resolvedAt: string | null; message: string }[]
    ).filter((x) => x.kind === 'publish_failed' && x.from === from);
  }

  const hooksFor = (alertId: string) =>
    hooks.deliveries.filter((d) => (d.json as { alert?: { id: string } }).alert?.id === alertId);

  it('a failed post whose event was lost gets its alert on the next scan, once, whichever instance scans', async () => {
    let postId = '';
    const lost = await losingEvents(async () => (postId = await failedPost('2027-01-04T10:00:00+01:00')));
    expect(lost).toEqual([expect.objectContaining({ postId, reason: 'missed', channelId })]);
    const from = '2027-01-04T09:00:00.000Z';
    expect(await failureAlerts(from)).toEqual([]); // nobody opened it

    // Both instances scan at once: one alert, opened once.
    const reports = await Promise.all([a.detector.scan(), b.detector.scan()]);
    expect(reports[0].failuresAlerted + reports[1].failuresAlerted).toBe(1);
    const [alert, ...more] = await failureAlerts(from);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ resolvedAt: null });
    expect(alert.message).toMatch(/^The post scheduled for Mon 4 Jan 10:00 failed to publish \(missed\)/);
    await Promise.all([a.worker.deliver(), b.worker.deliver()]);
    expect(hooksFor(alert.id)).toHaveLength(1);

    // Later scans, and the lost event arriving after all, add nothing.
    for (const t of [a, b, a]) expect((await t.detector.scan()).failuresAlerted).toBe(0);
    await a.app.get(EventEmitter2).emitAsync(POST_PUBLISH_FAILED, lost[0]);
    await Promise.all([a.worker.deliver(), b.worker.deliver()]);
    expect((await failureAlerts(from)).map((x) => x.id)).toEqual([alert.id]);
    expect(hooksFor(alert.id)).toHaveLength(1);
  });

  it('with the event delivered, the alert is open before any scan, and scans leave it alone', async () => {
    await failedPost('2027-01-05T10:00:00+01:00');
    const from = '2027-01-05T09:00:00.000Z';
    const [alert, ...more] = await failureAlerts(from);
    expect(more).toEqual([]);
    await a.worker.deliver();
    expect(hooksFor(alert.id)).toHaveLength(1);
    expect((await b.detector.scan()).failuresAlerted).toBe(0);
    await b.worker.deliver();
    expect((await failureAlerts(from)).map((x) => x.id)).toEqual([alert.id]);
    expect(hooksFor(alert.id)).toHaveLength(1);
  });
});
