import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AlertDeliveryWorker } from '../../src/alerts/alert-delivery.worker';
import { ALERTS_OPTIONS } from '../../src/alerts/alerts.options';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { FixedClock } from '../../src/common/clock';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { EGRESS_RESOLVER } from '../../src/egress/egress-guard';
import { PublishDispatcher } from '../../src/publishing/publish.dispatcher';
import { PUBLISHING_OPTIONS } from '../../src/publishing/publishing.options';
import { BlueskyFake } from '../fakes/bluesky.fake';
import type { HttpFake } from '../fakes/http-fake';
import { LOOPBACK_ALLOW, LOOPBACK_FORMS, LOOPBACK_NAME, testResolver } from '../fakes/loopback';
import { MastodonFake } from '../fakes/mastodon.fake';
import { SmtpFake } from '../fakes/smtp.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';
import { postState, schedulePost } from '../publishing/publishing-app';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import { TEST_SECRET_KEY, type TestApp } from '../support/test-app';
import { createTestDatabase } from '../support/test-database';

// Issue #12, acceptance 1 and 2: every address a tenant gives (webhook channel url, Mastodon
// instanceUrl, Bluesky service, alert webhook) pointed at this machine, spelled every way, is
// refused when saved and when met later, unless EGRESS_ALLOW allows it; a redirect does not
// get round it; nothing of a remote body reaches what tenants see; and a platform's
// `javascript:` URL never becomes a post's externalUrl.

const T0 = '2027-01-04T08:00:00Z';
const TOKEN = 'mastodon-token-0123456789';
const HANDLE = 'acme.bsky.social';
const APP_PASSWORD = 'app-pass-1234';
const MARKER = 'INTERNAL-ONLY: db_password=hunter2-7f3a';
/** Every spelling of loopback, and a name that resolves to 127.0.0.1 (the test resolver's). */
const FORMS = [...LOOPBACK_FORMS, LOOPBACK_NAME];
const KINDS = ['webhook', 'mastodon', 'bluesky'] as const;
type Kind = (typeof KINDS)[number];
const FIELD: Record<Kind, string> = { webhook: 'url', mastodon: 'instanceUrl', bluesky: 'service' };
/** Spellings the alert settings' URL validator refuses already (400), so never stored as alert webhooks. */
const NUMERIC_FORMS = ['2130706433', '0x7f.1', '127.1'];
const ALERT_FORMS = FORMS.filter((form) => !NUMERIC_FORMS.includes(form));
const REFUSED = /^the address \S+ is not allowed: it is not a public internet address$/;

interface EgressApp extends TestApp {
  dispatcher: PublishDispatcher;
  worker: AlertDeliveryWorker;
  databaseUrl: string;
}

/**
 * The whole application as the test builders make it, but with the EGRESS_ALLOW given here
 * (none by default: the builders of the other tests allow loopback), the test resolver (which
 * knows LOOPBACK_NAME) and short retries; instances may share one database.
 */
async function createEgressApp(opts: {
  egressAllow: readonly string[];
  clock: FixedClock;
  smtpUrl: string;
  databaseUrl?: string;
}): Promise<EgressApp> {
  const database = opts.databaseUrl
    ? { url: opts.databaseUrl, drop: async () => undefined }
    : await createTestDatabase();
  const config = {
    ...loadConfig({ LOG_LEVEL: 'error' }),
    dispatchIntervalMs: 3_600_000,
    databaseUrl: database.url,
    secretKey: TEST_SECRET_KEY,
    smtpUrl: opts.smtpUrl,
    egressAllow: opts.egressAllow,
  };
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot({
        config: config as AppConfig & { databaseUrl: string; secretKey: string },
        clock: opts.clock,
      }),
    ],
  })
    .overrideProvider(ALERTS_OPTIONS)
    // The test scans and delivers by hand: four apps share its database and clock.
    .useValue({ sendTimeoutMs: 3_000, schedule: false })
    .overrideProvider(PUBLISHING_OPTIONS)
    .useValue({ maxAttempts: 2, retryBaseMs: 1_000, retryMaxMs: 1_000 })
    .overrideProvider(EGRESS_RESOLVER)
    .useValue(testResolver())
    .compile();
  const app = configureApp(moduleRef.createNestApplication<NestExpressApplication>({ logger: ['error'] }));
  await app.init();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    http: request(app.getHttpServer()),
    clock: opts.clock,
    db: app.get(DataSource),
    url: `http://127.0.0.1:${port}`,
    dispatcher: app.get(PublishDispatcher),
    worker: app.get(AlertDeliveryWorker),
    databaseUrl: database.url,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}

describe('egress: tenant-given addresses', () => {
  const clock = new FixedClock(new Date(T0));
  const mastodon = new MastodonFake({ accessToken: TOKEN });
  const bluesky = new BlueskyFake({ handle: HANDLE, password: APP_PASSWORD });
  const webhook = new WebhookReceiverFake();
  const alertHooks = new WebhookReceiverFake();
  const redirector = new WebhookReceiverFake();
  const leaky = new WebhookReceiverFake();
  const smtp = new SmtpFake();
  const targets: HttpFake[] = [mastodon, bluesky, webhook, alertHooks];
  const fakeOf: Record<Kind, HttpFake> = { webhook, mastodon, bluesky };
  /** EGRESS_ALLOW=127.0.0.0/8,::1/128 */
  let open: EgressApp;
  /** No EGRESS_ALLOW: what these tests are about. */
  let closed: EgressApp;
  /** EGRESS_ALLOW=127.0.0.1/32: the redirector is allowed, [::1] and 0.0.0.0 are not. */
  let narrow: EgressApp;
  /** Saves what even `open` refuses (0.0.0.0), for `closed` to meet it at publish time. */
  let saver: EgressApp;
  let named = 0;

  const received = () => targets.reduce((n, fake) => n + fake.requests.length, 0);
  const base = (form: string, fake: HttpFake) => `http://${form}:${fake.port}`;
  const credentials = (kind: Kind, at: string) =>
    kind === 'webhook'
      ? { url: `${at}/hooks/in?token=query-secret` }
      : kind === 'mastodon'
        ? { instanceUrl: at, accessToken: TOKEN }
        : { service: at, identifier: HANDLE, appPassword: APP_PASSWORD };
  const channelBody = (kind: Kind, at: string, name: string) => ({
    name,
    platform: kind,
    handle: kind === 'bluesky' ? HANDLE : '@acme',
    timezone: 'Europe/Rome',
    approvalRequired: false,
    credentials: credentials(kind, at),
  });
  /** A post due two minutes from now, scheduled through `t` (the clock only moves forward). */
  const due = async (t: TestApp, s: Session, channelId: string) => {
    const when = new Date(clock.now().getTime() + 120_000);
    const post = await schedulePost(t, s.key, channelId, when);
    return { id: post.id, when };
  };
  const publishAt = async (t: EgressApp, when: Date) => {
    clock.set(new Date(when.getTime() + 1_000));
    await t.dispatcher.drain();
  };
  /** A channel whose every post fails (the mock adapter), so that a publish_failed alert is opened. */
  const failingChannel = (t: TestApp, s: Session) =>
    createChannel(t, s, {
      name: `Failing ${++named}`,
      platform: 'mock',
      approvalRequired: false,
      credentials: { failEvery: 1 },
    });
  const failPost = async (t: EgressApp, s: Session) => {
    const channel = await failingChannel(t, s);
    const post = await due(t, s, channel.id);
    await publishAt(t, post.when);
    clock.advance(2_000);
    await t.dispatcher.drain();
    expect((await postState(t, s.key, post.id)).status).toBe('failed');
  };
  const deliveriesOf = async (t: TestApp, workspaceId: string) =>
    (await t.db.query(
      `SELECT d.destination, d.state, d.attempts, d.last_error FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
        WHERE a.workspace_id = $1 AND d.destination LIKE 'webhook:%' ORDER BY d.destination`,
      [workspaceId],
    )) as { destination: string; state: string; attempts: number; last_error: string | null }[];
  const alertWebhooks = (urls: string[]) => ({
    lookaheadDays: 7,
    webhooks: urls.map((url) => ({ url, secret: 'alert-hook-secret' })),
  });

  beforeAll(async () => {
    await Promise.all([...targets, redirector, leaky].map((fake) => fake.start({ ipv6: true })));
    await smtp.start();
    open = await createEgressApp({ egressAllow: LOOPBACK_ALLOW, clock, smtpUrl: smtp.url });
    const shared = { clock, smtpUrl: smtp.url, databaseUrl: open.databaseUrl };
    closed = await createEgressApp({ ...shared, egressAllow: [] });
    narrow = await createEgressApp({ ...shared, egressAllow: ['127.0.0.1/32'] });
    saver = await createEgressApp({ ...shared, egressAllow: [...LOOPBACK_ALLOW, '0.0.0.0/32'] });
  });

  afterAll(async () => {
    for (const t of [saver, narrow, closed]) await t?.close();
    await open?.close();
    await Promise.all([...targets, redirector, leaky].map((fake) => fake.stop()));
    await smtp.stop();
  });

  describe('without EGRESS_ALLOW', () => {
    it('refuses to save any loopback spelling, in every kind of address, with a 422 naming the field', async () => {
      const { lead } = await seedWorkspace(closed);
      const before = received();
      for (const kind of KINDS) {
        for (const form of FORMS) {
          const res = await closed.http
            .post(`/v1/workspaces/${lead.workspaceId}/channels`)
            .set(auth(lead.key))
            .send(channelBody(kind, base(form, fakeOf[kind]), `${kind} ${form}`));
          expect([kind, form, res.status]).toEqual([kind, form, 422]);
          expect(res.body.errors).toEqual([
            { field: `credentials.${FIELD[kind]}`, message: expect.stringMatching(REFUSED) },
          ]);
          expect(res.body.detail).toContain(`credentials.${FIELD[kind]}: the address`);
          expect(res.body.detail).not.toContain('query-secret');
        }
      }
      const list = await closed.http.get(`/v1/workspaces/${lead.workspaceId}/channels`).set(auth(lead.key)).expect(200);
      expect(list.body.items).toHaveLength(0);

      // Changing the credentials of a channel that exists: refused too, and nothing changes.
      const channel = await createChannel(
        closed,
        lead,
        channelBody('mastodon', 'https://mastodon.invalid', 'Fine for now'),
      );
      for (const form of FORMS) {
        const res = await closed.http
          .patch(`/v1/channels/${channel.id}`)
          .set(auth(lead.key))
          .send({ credentials: credentials('mastodon', base(form, mastodon)) });
        expect([form, res.status, res.body.errors?.[0]?.field]).toEqual([form, 422, 'credentials.instanceUrl']);
      }
      expect((await closed.http.get(`/v1/channels/${channel.id}`).set(auth(lead.key)).expect(200)).body.version).toBe(
        channel.version,
      );

      // Alert webhooks.
      const settings = `/v1/workspaces/${lead.workspaceId}/alert-settings`;
      await closed.http
        .put(settings)
        .set(auth(lead.key))
        .send(alertWebhooks(['https://hooks.invalid/ok']))
        .expect(200);
      for (const form of FORMS) {
        const res = await closed.http
          .put(settings)
          .set(auth(lead.key))
          .send(alertWebhooks(['https://hooks.invalid/ok', `${base(form, alertHooks)}/alerts`]));
        // The alert settings' URL validator refuses the numeric spellings (400) before the guard (422).
        const numeric = NUMERIC_FORMS.includes(form);
        expect([form, res.status]).toEqual([form, numeric ? 400 : 422]);
        if (numeric)
          expect(res.body.errors).toEqual([
            { field: expect.stringMatching(/^webhooks\W+1\W+url$/), message: expect.any(String) },
          ]);
        else expect(res.body.errors).toEqual([{ field: 'webhooks[1].url', message: expect.stringMatching(REFUSED) }]);
      }
      expect((await closed.http.get(settings).set(auth(lead.key)).expect(200)).body.webhooks).toEqual([
        { url: 'https://hooks.invalid/ok', hasSecret: true },
      ]);
      expect(received()).toBe(before);
    });

    it('fails a post whose address is refused at publish time at once, saying so, and never calls it', async () => {
      // Saved where it was allowed (EGRESS_ALLOW changed since, or DNS did), published where it is not.
      const { lead } = await seedWorkspace(saver);
      const before = received();
      let failed = 0;
      for (const kind of KINDS) {
        // One kind at a time, so that what each kind's publishing sends can be counted apart.
        const posts: { form: string; id: string; when: Date }[] = [];
        for (const form of FORMS) {
          const channel = await createChannel(
            saver,
            lead,
            channelBody(kind, base(form, fakeOf[kind]), `${kind} ${form}`),
          );
          posts.push({ form, ...(await due(saver, lead, channel.id)) });
        }
        // Saving asked the Mastodon instances for their limits (allowed there); publishing asks nothing.
        const beforePublishing = received();
        clock.set(new Date(Math.max(...posts.map((p) => p.when.getTime())) + 1_000));
        await closed.dispatcher.drain();
        expect([kind, received()]).toEqual([kind, beforePublishing]);
        for (const post of posts) {
          const state = await postState(closed, lead.key, post.id);
          expect([kind, post.form, state.status, state.failureReason, state.attempts]).toEqual([
            kind,
            post.form,
            'failed',
            'rejected',
            1,
          ]);
          expect(state.lastError).toMatch(
            new RegExp(
              `^Not sent: ${kind}: the address \\S+ is not allowed: it is not a public internet address \\(credentials\\.${FIELD[kind]}\\)\\.$`,
            ),
          );
        }
        failed += posts.length;
      }
      const limitLookups = targets.reduce(
        (n, fake) => n + fake.requests.filter((r) => r.method === 'GET' && r.path === '/api/v2/instance').length,
        0,
      );
      expect(received() - limitLookups).toBe(before);
      // The publish_failed alerts say the same sentence.
      const alerts = await closed.http
        .get(`/v1/workspaces/${lead.workspaceId}/alerts?status=open&limit=100`)
        .set(auth(lead.key))
        .expect(200);
      const opened = alerts.body.items.filter((a: { kind: string }) => a.kind === 'publish_failed');
      expect(opened).toHaveLength(failed);
      for (const alert of opened) expect(alert.message).toMatch(/the address \S+ is not allowed/);
    });

    it('cancels an alert webhook delivery whose address is refused, instead of retrying it, and never calls it', async () => {
      const { lead } = await seedWorkspace(saver);
      const urls = ALERT_FORMS.map((form) => `${base(form, alertHooks)}/alerts`);
      await saver.http
        .put(`/v1/workspaces/${lead.workspaceId}/alert-settings`)
        .set(auth(lead.key))
        .send(alertWebhooks(urls))
        .expect(200);
      await failPost(closed, lead);
      const before = received();
      await closed.worker.deliver();
      clock.advance(3_600_000);
      await closed.worker.deliver();
      const rows = await deliveriesOf(closed, lead.workspaceId);
      expect(rows).toHaveLength(ALERT_FORMS.length);
      for (const row of rows) {
        expect([row.destination, row.state, row.attempts]).toEqual([row.destination, 'cancelled', 1]);
        expect(row.last_error).toMatch(REFUSED);
      }
      expect(received()).toBe(before);
    });
  });

  describe('with EGRESS_ALLOW=127.0.0.0/8,::1/128', () => {
    it('publishes to every loopback spelling of every platform but 0.0.0.0, which that allows not', async () => {
      const { lead } = await seedWorkspace(open);
      for (const kind of KINDS) {
        for (const form of FORMS) {
          const body = channelBody(kind, base(form, fakeOf[kind]), `${kind} ${form}`);
          if (form === '0.0.0.0') {
            const res = await open.http
              .post(`/v1/workspaces/${lead.workspaceId}/channels`)
              .set(auth(lead.key))
              .send(body);
            expect(res.status).toBe(422);
            continue;
          }
          const channel = await createChannel(open, lead, body);
          const post = await due(open, lead, channel.id);
          const before = fakeOf[kind].requests.length;
          await publishAt(open, post.when);
          const state = await postState(open, lead.key, post.id);
          expect([kind, form, state.status, state.lastError]).toEqual([kind, form, 'published', null]);
          expect(fakeOf[kind].requests.length).toBeGreaterThan(before);
        }
      }
    });

    it('delivers alerts to every loopback spelling of an alert webhook', async () => {
      const { lead } = await seedWorkspace(open);
      const forms = ALERT_FORMS.filter((form) => form !== '0.0.0.0');
      await open.http
        .put(`/v1/workspaces/${lead.workspaceId}/alert-settings`)
        .set(auth(lead.key))
        .send(alertWebhooks(forms.map((form) => `${base(form, alertHooks)}/alerts/${encodeURIComponent(form)}`)))
        .expect(200);
      const before = alertHooks.deliveries.length;
      await failPost(open, lead);
      await open.worker.deliver();
      expect((await deliveriesOf(open, lead.workspaceId)).map((r) => r.state)).toEqual(forms.map(() => 'delivered'));
      expect(
        alertHooks.deliveries
          .slice(before)
          .map((d) => decodeURIComponent(d.path.slice('/alerts/'.length)))
          .sort(),
      ).toEqual([...forms].sort());
    });
  });

  describe('a redirect from an allowed address to a refused one', () => {
    afterEach(() => redirector.resetFaults().respondWith(200, { ok: true }));

    it.each(['[::1]', '0.0.0.0'])(
      'is not followed to %s: the post fails, the target never receives a request',
      async (form) => {
        const { lead } = await seedWorkspace(narrow);
        for (const kind of KINDS) {
          const target = fakeOf[kind];
          redirector.respondWith(307, '', { location: `${base(form, target)}/api` });
          const channel = await createChannel(narrow, lead, channelBody(kind, redirector.url, `${kind} via redirect`));
          const post = await due(narrow, lead, channel.id);
          const before = { target: target.requests.length, redirector: redirector.requests.length };
          await publishAt(narrow, post.when);
          const state = await postState(narrow, lead.key, post.id);
          expect([kind, state.status, state.failureReason]).toEqual([kind, 'failed', 'rejected']);
          expect(state.lastError).toMatch(/answered 307 Temporary Redirect: a redirect/);
          expect(target.requests.length).toBe(before.target);
          expect(redirector.requests.length).toBe(before.redirector + 1);
        }

        redirector.respondWith(307, '', { location: `${base(form, alertHooks)}/alerts` });
        await narrow.http
          .put(`/v1/workspaces/${lead.workspaceId}/alert-settings`)
          .set(auth(lead.key))
          .send(alertWebhooks([`${redirector.url}/alerts`]))
          .expect(200);
        const before = alertHooks.requests.length;
        await failPost(narrow, lead);
        await narrow.worker.deliver();
        const rows = await deliveriesOf(narrow, lead.workspaceId);
        expect(rows.map((r) => [r.state, r.last_error])).toEqual([['pending', 'webhook answered HTTP 307']]);
        expect(alertHooks.requests.length).toBe(before);
      },
    );
  });

  describe('a stand-in that answers with its secrets', () => {
    afterEach(() => leaky.resetFaults().respondWith(200, { ok: true }));

    // Four values each: jest takes a test function with more parameters than values for a `done` callback.
    const answers: [string, number, unknown, Record<string, string>][] = [
      ['500 text', 500, MARKER, {}],
      ['500 JSON with error and message', 500, { error: MARKER, message: MARKER, detail: MARKER }, {}],
      ['502 HTML', 502, `<html><body><h1>${MARKER}</h1></body></html>`, { 'content-type': 'text/html' }],
      ['400 JSON without the platform fields', 400, { message: MARKER, detail: MARKER, title: MARKER }, {}],
      ['400 text', 400, MARKER, {}],
    ];

    it.each(answers)(
      '%s: the marker reaches no API answer, alert, email, webhook or delivery error',
      async (_name, status, body, headers) => {
        leaky.respondWith(status, body, headers);
        const { lead } = await seedWorkspace(open);
        await open.http
          .put(`/v1/workspaces/${lead.workspaceId}/alert-settings`)
          .set(auth(lead.key))
          .send(alertWebhooks([`${alertHooks.url}/told`, `${leaky.url}/alert-hook`]))
          .expect(200);
        const seen: string[] = [];
        const mailsBefore = smtp.mails.length;
        const hooksBefore = alertHooks.deliveries.length;
        const leakyBefore = leaky.requests.length;
        const posts: string[] = [];
        const channels: string[] = [];
        for (const kind of KINDS) {
          const channel = await createChannel(open, lead, channelBody(kind, leaky.url, `${kind} leaky`));
          channels.push(channel.id);
          const post = await due(open, lead, channel.id);
          await publishAt(open, post.when);
          // The first attempt failed and is retried (maxAttempts 2): what it says now counts too.
          seen.push(JSON.stringify((await open.http.get(`/v1/posts/${post.id}`).set(auth(lead.key)).expect(200)).body));
          clock.advance(2_000);
          await open.dispatcher.drain();
          posts.push(post.id);
        }
        for (const channelId of channels)
          seen.push((await open.http.get(`/v1/channels/${channelId}/posts`).set(auth(lead.key)).expect(200)).text);
        await open.worker.deliver();

        for (const id of posts) {
          const post = await open.http.get(`/v1/posts/${id}`).set(auth(lead.key)).expect(200);
          expect(post.body.status).toBe('failed');
          seen.push(JSON.stringify(post.body));
        }
        const alerts = await open.http
          .get(`/v1/workspaces/${lead.workspaceId}/alerts?limit=100`)
          .set(auth(lead.key))
          .expect(200);
        expect(alerts.body.items.filter((a: { kind: string }) => a.kind === 'publish_failed')).toHaveLength(
          KINDS.length,
        );
        seen.push(alerts.text);
        const mails = smtp.mails.slice(mailsBefore);
        expect(mails.length).toBeGreaterThanOrEqual(KINDS.length);
        seen.push(...mails.map((m) => `${m.subject}\n${m.raw}\n${m.text}\n${m.html}`));
        const told = alertHooks.deliveries.slice(hooksBefore);
        expect(told).toHaveLength(KINDS.length);
        seen.push(...told.map((d) => d.rawBody.toString('utf8')));
        const stored = (await open.db.query(
          `SELECT p.last_error FROM posts p WHERE p.id = ANY($1)
         UNION ALL SELECT a.message || ' ' || a.details::text FROM alerts a WHERE a.workspace_id = $2
         UNION ALL SELECT d.last_error FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE a.workspace_id = $2`,
          [posts, lead.workspaceId],
        )) as { last_error: string | null }[];
        seen.push(...stored.map((r) => String(r.last_error)));
        expect(leaky.requests.length).toBeGreaterThan(leakyBefore + KINDS.length); // it was asked, and answered
        for (const text of seen) expect(text).not.toContain('INTERNAL-ONLY');
        for (const text of seen) expect(text).not.toContain('hunter2');
      },
    );
  });

  describe("a platform's javascript: URL", () => {
    it('never becomes the post’s externalUrl; the link is built from the instance instead', async () => {
      const hostile = new MastodonFake({
        accessToken: TOKEN,
        answerUrl: 'javascript:alert(1)',
        answerUri: 'javascript:alert(2)',
      });
      const halfHostile = new MastodonFake({ accessToken: TOKEN, answerUrl: 'javascript:alert(1)' });
      const hook = new WebhookReceiverFake().respondWith(200, { id: 'ext-1', url: 'javascript:alert(3)' });
      await Promise.all([hostile.start(), halfHostile.start(), hook.start()]);
      try {
        const { lead } = await seedWorkspace(open);
        const publish = async (kind: Kind, at: string) => {
          const channel = await createChannel(open, lead, channelBody(kind, at, `${kind} hostile`));
          const post = await due(open, lead, channel.id);
          await publishAt(open, post.when);
          return postState(open, lead.key, post.id);
        };

        const both = await publish('mastodon', hostile.url);
        expect(both.status).toBe('published');
        expect(both.externalUrl).not.toMatch(/^javascript:/i);
        expect(both.externalUrl).toBe(`${hostile.url}/@palinsesto/${hostile.statuses[0]!.id}`);

        const urlOnly = await publish('mastodon', halfHostile.url);
        expect(urlOnly.externalUrl).toBe(halfHostile.statuses[0]!.uri);

        const webhookPost = await publish('webhook', hook.url);
        expect(webhookPost).toMatchObject({ status: 'published', externalId: 'ext-1' });
        expect(webhookPost.externalUrl).toBe(`${hook.url}/hooks/in`);
      } finally {
        await Promise.all([hostile.stop(), halfHostile.stop(), hook.stop()]);
      }
    });
  });
});
