import { MastodonFake } from '../fakes/mastodon.fake';
import { createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { createPublishingApp, postState, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';

// The lease heartbeat on two instances sharing one database, each on its own FixedClock
// moved in step, the heartbeat and the ticks driven by hand: a long attempt keeps its post
// however long it runs, a renewal is not a plan change, and an attempt whose post was taken
// while it could not renew stops and writes nothing. (The SIGKILL takeover of real processes
// is in publishing-takeover.integration-spec.ts.)
const T0 = '2027-01-04T08:00:00Z';
const TOKEN = 'mastodon-token-0123456789';
const LEASE_MS = 3_000;
const STATUSES = '/api/v1/statuses';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('lease heartbeat', () => {
  let a: PublishingTestApp;
  let b: PublishingTestApp;
  let lead: Session;
  let mastodon: MastodonFake;
  let slot = 0;

  const statusRequests = () => mastodon.requests.filter((r) => r.method === 'POST' && r.path === STATUSES).length;
  const both = (f: (t: PublishingTestApp) => void) => [a, b].forEach(f);
  const metric = async (t: PublishingTestApp, name: string) => {
    const text = (await t.http.get('/metrics').expect(200)).text;
    return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  };

  beforeAll(async () => {
    const options = { leaseMs: LEASE_MS }; // renewEveryMs: a third of it
    a = await createPublishingApp({ now: T0, options, httpTimeoutMs: 60_000 });
    b = await createPublishingApp({ now: T0, options, httpTimeoutMs: 60_000, databaseUrl: a.databaseUrl });
    ({ lead } = await seedWorkspace(a));
    mastodon = new MastodonFake({ accessToken: TOKEN });
    await mastodon.start();
  });
  afterAll(async () => {
    await mastodon.stop();
    await b.app.close();
    await a.close();
  });

  async function dueSlowPost(name: string) {
    const channel = await createChannel(a, lead, {
      name,
      platform: 'mastodon',
      approvalRequired: false,
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
    });
    slot += 60;
    const when = new Date(Date.parse(T0) + slot * 60_000);
    both((t) => t.clock.set(new Date(when.getTime() - 60_000)));
    const post = await schedulePost(a, lead.key, channel.id, when);
    both((t) => t.clock.set(when));
    return { channel, post };
  }

  const revisionOf = async (channelId: string) =>
    Number(
      (
        (await a.db.query('SELECT revision FROM post_plan_revisions WHERE channel_id = $1', [channelId])) as {
          revision: string;
        }[]
      )[0].revision,
    );

  it('keeps a long attempt its post: renewed every beat, never claimed by the other instance', async () => {
    const { channel, post } = await dueSlowPost('Slow platform');
    const requestsBefore = statusRequests();
    const statusesBefore = mastodon.statuses.length;
    const release = mastodon.holdNext(STATUSES); // the platform takes as long as the test says
    try {
      await a.dispatcher.tick();
      await until('the status request', () => statusRequests() === requestsBefore + 1);
      const claimed = await postState(a, lead.key, post.id);
      expect(claimed).toMatchObject({ status: 'publishing', attempts: 1 });
      const revision = await revisionOf(channel.id);

      // Ten seconds of a call on a 3 s lease: a beat every second, the other instance looking each time.
      for (let second = 1; second <= 10; second++) {
        both((t) => t.clock.advance(1_000));
        await a.dispatcher.renewLeases();
        await b.dispatcher.tick();
        const state = await postState(b, lead.key, post.id);
        expect(state).toMatchObject({ status: 'publishing', attempts: 1, attemptId: claimed.attemptId });
        expect((state.leaseUntil as Date).getTime()).toBe(a.clock.now().getTime() + LEASE_MS);
      }
      expect(b.dispatcher.inFlightCount).toBe(0);
      expect(statusRequests()).toBe(requestsBefore + 1);
      // Renewals are not changes of the plan: the post's version and the channel's revision stay.
      expect((await postState(a, lead.key, post.id)).version).toBe(claimed.version);
      expect(await revisionOf(channel.id)).toBe(revision);
      expect(await metric(a, 'palinsesto_publish_lease_renewals_total')).toBeGreaterThanOrEqual(10);
    } finally {
      release();
    }
    await a.dispatcher.waitForIdle();
    expect(await postState(a, lead.key, post.id)).toMatchObject({ status: 'published', attempts: 1 });
    expect(mastodon.statuses.length).toBe(statusesBefore + 1);
    expect(statusRequests()).toBe(requestsBefore + 1);
  });

  it('aborts an attempt whose post was taken while it could not renew, and it writes nothing', async () => {
    const { post } = await dueSlowPost('Stalled instance');
    const statusesBefore = mastodon.statuses.length;
    const fencedBefore = await metric(a, 'palinsesto_publish_fenced_writes_total');
    const release = mastodon.holdNext(STATUSES); // instance a's call hangs...
    try {
      await a.dispatcher.tick();
      await until(
        'instance a calling the platform',
        () => a.dispatcher.inFlightCount === 1 && mastodon.statuses.length > statusesBefore,
      );
      // ...and a misses its beats (say it cannot reach the database) until its lease has run out.
      both((t) => t.clock.advance(LEASE_MS + 1));
      await b.dispatcher.drain(); // b takes the post over and publishes it (same idempotency key)
      expect(await postState(b, lead.key, post.id)).toMatchObject({ status: 'published', attempts: 2 });

      // a's next beat finds the post taken: its call is aborted without waiting for the platform.
      await a.dispatcher.renewLeases();
      await a.dispatcher.waitForIdle();
      expect(a.dispatcher.inFlightCount).toBe(0);
    } finally {
      release();
    }
    expect(await metric(a, 'palinsesto_publish_leases_lost_total')).toBe(1);
    expect(await metric(a, 'palinsesto_publish_fenced_writes_total')).toBe(fencedBefore + 1);
    const state = await postState(a, lead.key, post.id);
    expect(state).toMatchObject({ status: 'published', attempts: 2, lastError: null });
    expect(mastodon.statuses.length).toBe(statusesBefore + 1);
  });
});
