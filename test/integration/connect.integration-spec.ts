import type { LoggerService } from '@nestjs/common';
import { ConnectionCheckService } from '../../src/connect/connection-check.service';
import { verifyWebhookSignature } from '../../src/publishing/adapters/webhook-signature';
import { BlueskyFake } from '../fakes/bluesky.fake';
import { MastodonFake } from '../fakes/mastodon.fake';
import { WebhookReceiverFake } from '../fakes/webhook-receiver.fake';
import { createPublishingApp, postState, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';
import { auth } from '../support/fixtures';

const T0 = '2027-01-04T08:00:00Z';
const PASSWORD = 'correct horse battery staple';
const APP_PASSWORD = 'abcd-efgh-ijkl-mnop';
let users = 0;

interface ChannelAnswer {
  id: string;
  version: number;
  [field: string]: unknown;
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const line = ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((l) =>
    l.startsWith('palinsesto_session='),
  );
  if (!line) throw new Error('no session cookie');
  return line.split(';')[0]!;
}

describe('connecting channels (HTTP, stand-ins)', () => {
  let t: PublishingTestApp;
  let mastodon: MastodonFake;
  let bluesky: BlueskyFake;
  let webhook: WebhookReceiverFake;
  const lines: string[] = [];
  const record = (...parts: unknown[]) =>
    lines.push(parts.map((p) => (p instanceof Error ? p.stack : String(p))).join(' '));
  const capture: LoggerService = { log: record, error: record, warn: record, debug: record, verbose: record };
  /** Every secret a test saw: none may appear in the log or an answer. */
  const secrets: string[] = [APP_PASSWORD];
  const answers: string[] = [];

  beforeAll(async () => {
    mastodon = new MastodonFake({ accessToken: 'configured-token-unused', username: 'acme', displayName: 'Acme Co' });
    bluesky = new BlueskyFake({ handle: 'acme.bsky.social', password: APP_PASSWORD });
    webhook = new WebhookReceiverFake();
    await Promise.all([mastodon.start(), bluesky.start(), webhook.start()]);
    t = await createPublishingApp({
      now: T0,
      config: { blueskyResolverUrl: bluesky.url, blueskyPlcUrl: bluesky.url, logLevel: 'verbose' },
    });
    t.app.useLogger(capture);
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([mastodon.stop(), bluesky.stop(), webhook.stop()]);
  });

  async function signUp() {
    const n = ++users;
    const res = await t.http
      .post('/v1/auth/sign-up')
      .send({
        name: `Lead ${n}`,
        email: `connect-lead-${n}@example.com`,
        password: PASSWORD,
        workspace: { name: `Connect team ${n}`, timezone: 'Europe/Rome' },
      })
      .expect(201);
    const token = await t.http
      .post('/v1/me/tokens')
      .set('Cookie', cookieOf(res))
      .set('Origin', t.url)
      .send({ name: 'script' });
    return {
      cookie: cookieOf(res),
      workspaceId: res.body.workspace.id as string,
      key: token.body.secret as string | undefined,
    };
  }
  type Lead = Awaited<ReturnType<typeof signUp>>;

  const keep = <T extends { text?: string; body?: unknown }>(res: T): T => {
    answers.push(res.text ?? JSON.stringify(res.body));
    return res;
  };

  async function start(lead: Lead, body: Record<string, unknown> = {}) {
    const res = keep(
      await t.http
        .post(`/v1/workspaces/${lead.workspaceId}/connect/mastodon`)
        .set('Cookie', lead.cookie)
        .set('Origin', t.url)
        .send({ instanceUrl: mastodon.url, ...body }),
    );
    expect(res.status).toBe(200);
    return res.body.authorizeUrl as string;
  }

  /** The path and query of the callback the instance redirects to. */
  const callbackPath = (redirect: string) => {
    const u = new URL(redirect);
    return `${u.pathname}${u.search}`;
  };

  async function channels(lead: Lead) {
    const res = await t.http.get(`/v1/workspaces/${lead.workspaceId}/channels`).set('Cookie', lead.cookie).expect(200);
    return res.body.items as ChannelAnswer[];
  }

  /** The code the instance hands the browser (the state is the browser's to carry anyway). */
  function remember(redirect: string) {
    const u = new URL(redirect);
    for (const key of ['code']) {
      const v = u.searchParams.get(key);
      if (v) secrets.push(v);
    }
  }

  it('connects a Mastodon account: registers once, PKCE code flow, a channel that publishes', async () => {
    const lead = await signUp();
    const appsBefore = mastodon.apps.length;
    const authorizeUrl = await start(lead);
    const authorize = new URL(authorizeUrl);
    expect(authorize.origin).toBe(mastodon.url);
    expect(authorize.pathname).toBe('/oauth/authorize');
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('scope')).toBe('read write:statuses write:media');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${t.url}/v1/connect/mastodon/callback`);
    expect(mastodon.apps.length).toBe(appsBefore + 1);
    const app = mastodon.apps.at(-1)!;
    secrets.push(app.clientSecret);
    expect(app.name).toBe('Palinsesto');

    const page = await fetch(authorizeUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Authorize');

    const redirect = mastodon.approve(authorizeUrl);
    remember(redirect);
    const back = keep(await t.http.get(callbackPath(redirect)).set('Cookie', lead.cookie));
    expect(back.status).toBe(302);
    const match = /\/#channel=([0-9a-f-]{36})&connected=mastodon$/.exec(back.headers.location);
    expect(match).not.toBeNull();
    expect(back.headers.location.startsWith(`${t.url}/`)).toBe(true);
    const token = [...mastodon.issuedTokens.keys()].at(-1)!;
    secrets.push(token);

    const [channel] = await channels(lead);
    expect(channel).toMatchObject({
      id: match![1],
      platform: 'mastodon',
      name: 'Acme Co',
      handle: `@acme@${new URL(mastodon.url).host}`,
      avatarUrl: `${mastodon.url}/avatars/acme.png`,
      timezone: 'Europe/Rome',
      hasCredentials: true,
      connection: { state: 'ok', checkedAt: '2027-01-04T08:00:00.000Z' },
    });

    // A second connection reuses the registration.
    await start(lead);
    expect(mastodon.apps.length).toBe(appsBefore + 1);

    // The token publishes.
    const key = lead.key!;
    expect(key).toBeDefined();
    await t.http.patch(`/v1/channels/${channel!.id}`).set(auth(key)).send({ approvalRequired: false }).expect(200);
    const when = new Date(Date.parse(T0) + 3_600_000);
    const post = await schedulePost(t, key, channel!.id, when, { body: 'Connected toot' });
    t.clock.set(new Date(when.getTime() + 1000));
    await t.dispatcher.drain();
    expect((await postState(t, key, post.id)).status).toBe('published');
    expect(mastodon.statuses.at(-1)!.text).toBe('Connected toot');
    t.clock.set(T0);
  });

  it('checks the PKCE verifier: a code exchanged without the flow’s verifier is refused', async () => {
    const lead = await signUp();
    const authorizeUrl = await start(lead);
    // The instance is handed another challenge than the one Palinsesto holds the verifier of.
    const forged = new URL(authorizeUrl);
    forged.searchParams.set('code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const redirect = mastodon.approve(forged.toString());
    remember(redirect);
    const refusalsBefore = mastodon.tokenRefusals.length;
    const back = keep(await t.http.get(callbackPath(redirect)).set('Cookie', lead.cookie));
    expect(back.status).toBe(422);
    expect(back.body.detail).toContain('refused the authorization code');
    expect(mastodon.tokenRefusals.slice(refusalsBefore)).toEqual(['PKCE verification failed']);
    expect(await channels(lead)).toEqual([]);
  });

  it('refuses a tampered, reused or expired state, and another user’s callback; nothing changes', async () => {
    const lead = await signUp();
    const other = await signUp();
    const authorizeUrl = await start(lead);
    const redirect = mastodon.approve(authorizeUrl);
    remember(redirect);
    const u = new URL(redirect);

    const tampered = new URL(redirect);
    tampered.searchParams.set('state', `${u.searchParams.get('state')!.slice(0, -2)}xx`);
    const bad = keep(await t.http.get(callbackPath(tampered.toString())).set('Cookie', lead.cookie));
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('unknown, expired or already used');

    const stranger = keep(await t.http.get(callbackPath(redirect)).set('Cookie', other.cookie));
    expect(stranger.status).toBe(403);
    expect(await channels(other)).toEqual([]);

    // The rightful user still can (the stranger's attempt used nothing up), once.
    expect((await t.http.get(callbackPath(redirect)).set('Cookie', lead.cookie)).status).toBe(302);
    const again = keep(await t.http.get(callbackPath(redirect)).set('Cookie', lead.cookie));
    expect(again.status).toBe(400);
    expect(await channels(lead)).toHaveLength(1);

    // Expired: ten minutes later the state no longer works.
    const late = mastodon.approve(await start(lead));
    remember(late);
    t.clock.advance(10 * 60_000 + 1);
    try {
      expect(keep(await t.http.get(callbackPath(late)).set('Cookie', lead.cookie)).status).toBe(400);
    } finally {
      t.clock.set(T0);
    }
    expect(await channels(lead)).toHaveLength(1);
  });

  it('a denied authorization sends the browser back with an error marker and creates nothing', async () => {
    const lead = await signUp();
    const redirect = mastodon.approve(await start(lead), 'deny');
    const back = await t.http.get(callbackPath(redirect)).set('Cookie', lead.cookie);
    expect(back.status).toBe(302);
    expect(back.headers.location).toBe(`${t.url}/#connect_error=access_denied&platform=mastodon`);
    expect(await channels(lead)).toEqual([]);
  });

  it('reconnects a channel: new credentials on the same channel', async () => {
    const lead = await signUp();
    const first = mastodon.approve(await start(lead));
    await t.http.get(callbackPath(first)).set('Cookie', lead.cookie).expect(302);
    const [channel] = await channels(lead);
    const second = mastodon.approve(await start(lead, { channelId: channel!.id }));
    const back = await t.http.get(callbackPath(second)).set('Cookie', lead.cookie).expect(302);
    expect(back.headers.location).toContain(`#channel=${channel!.id}&connected=mastodon`);
    const after = await channels(lead);
    expect(after).toHaveLength(1);
    expect(after[0]!.version).toBeGreaterThan(channel!.version);
  });

  it('connects Bluesky: handle -> DID -> PDS -> session; a wrong app password is a clear 422', async () => {
    const lead = await signUp();
    const wrong = keep(
      await t.http
        .post(`/v1/workspaces/${lead.workspaceId}/connect/bluesky`)
        .set('Cookie', lead.cookie)
        .set('Origin', t.url)
        .send({ handle: '@acme.bsky.social', appPassword: 'wrong-pass-word' }),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail).toContain('refused the app password');
    expect(await channels(lead)).toEqual([]);

    const unknown = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/connect/bluesky`)
      .set('Cookie', lead.cookie)
      .set('Origin', t.url)
      .send({ handle: 'nobody.bsky.social', appPassword: APP_PASSWORD });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toContain('No Bluesky account has the handle');

    const ok = keep(
      await t.http
        .post(`/v1/workspaces/${lead.workspaceId}/connect/bluesky`)
        .set('Cookie', lead.cookie)
        .set('Origin', t.url)
        .send({ handle: 'Acme.bsky.social', appPassword: APP_PASSWORD }),
    );
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ platform: 'bluesky', handle: '@acme.bsky.social', connection: { state: 'ok' } });
    const paths = bluesky.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'GET /xrpc/com.atproto.identity.resolveHandle',
        `GET /${bluesky.did}`,
        'POST /xrpc/com.atproto.server.createSession',
      ]),
    );
    // The stored credentials publish.
    await t.http.patch(`/v1/channels/${ok.body.id}`).set(auth(lead.key!)).send({ approvalRequired: false }).expect(200);
    const when = new Date(Date.parse(T0) + 2 * 3_600_000);
    const post = await schedulePost(t, lead.key!, ok.body.id, when, { body: 'Connected skeet' });
    t.clock.set(new Date(when.getTime() + 1000));
    try {
      await t.dispatcher.drain();
      expect((await postState(t, lead.key!, post.id)).status).toBe('published');
    } finally {
      t.clock.set(T0);
    }
  });

  it('sends a signed test delivery to a webhook channel; a failing receiver is a 422', async () => {
    const lead = await signUp();
    const secret = 'whsec-test-0123456789';
    secrets.push(secret);
    const created = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/channels`)
      .set(auth(lead.key!))
      .send({
        name: 'Hook',
        platform: 'webhook',
        handle: 'hook',
        timezone: 'Europe/Rome',
        credentials: { url: `${webhook.url}/in`, secret },
      })
      .expect(201);
    const before = webhook.deliveries.length;
    const res = keep(
      await t.http
        .post(`/v1/channels/${created.body.id}/test-delivery`)
        .set('Cookie', lead.cookie)
        .set('Origin', t.url),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, status: 200 });
    const delivery = webhook.deliveries[before]!;
    expect(delivery.json).toMatchObject({ test: true, channel: { id: created.body.id } });
    expect(delivery.headers['x-palinsesto-test']).toBe('1');
    expect(verifyWebhookSignature(delivery.rawBody, secret, delivery.signature)).toBe(true);

    webhook.respondWith(500, { error: 'boom' });
    try {
      const failed = await t.http.post(`/v1/channels/${created.body.id}/test-delivery`).set(auth(lead.key!));
      expect(failed.status).toBe(422);
      expect(failed.body.detail).toContain('answered 500');
    } finally {
      webhook.respondWith(200, { ok: true });
    }
  });

  it('the connection check opens connection_broken once for a revoked token and resolves it when good again', async () => {
    const lead = await signUp();
    await t.http
      .get(callbackPath(mastodon.approve(await start(lead))))
      .set('Cookie', lead.cookie)
      .expect(302);
    const [channel] = await channels(lead);
    const checks = t.app.get(ConnectionCheckService);
    const alerts = async () =>
      (await t.http.get(`/v1/workspaces/${lead.workspaceId}/alerts`).set(auth(lead.key!)).expect(200)).body.items as {
        kind: string;
        channelId: string;
        resolvedAt: string | null;
      }[];
    const token = [...mastodon.issuedTokens.keys()].at(-1)!;
    secrets.push(token);

    mastodon.issuedTokens.get(token)!.revoked = true;
    t.clock.set('2027-01-05T08:00:00Z');
    try {
      expect(await checks.runIfDue()).toBeGreaterThan(0);
      expect(await checks.runIfDue()).toBeNull(); // once a day, across instances
      const manual = await t.http.post(`/v1/channels/${channel!.id}/check-connection`).set(auth(lead.key!)).expect(200);
      expect(manual.body.connection).toMatchObject({ state: 'broken', checkedAt: '2027-01-05T08:00:00.000Z' });
      expect(manual.body.connection.problem).toContain('refused the access token');
      await waitFor(async () => (await alerts()).some((a) => a.kind === 'connection_broken'));
      const open = (await alerts()).filter((a) => a.kind === 'connection_broken');
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ channelId: channel!.id, resolvedAt: null });

      mastodon.issuedTokens.get(token)!.revoked = false;
      const good = await t.http.post(`/v1/channels/${channel!.id}/check-connection`).set(auth(lead.key!)).expect(200);
      expect(good.body.connection.state).toBe('ok');
      await waitFor(async () => (await alerts()).every((a) => a.kind !== 'connection_broken' || a.resolvedAt));
      const closed = (await alerts()).filter((a) => a.kind === 'connection_broken');
      expect(closed).toHaveLength(1);
      expect(closed[0]!.resolvedAt).toBe('2027-01-05T08:00:00.000Z');
    } finally {
      t.clock.set(T0);
    }
  });

  it('never logs or answers a token, code, client secret or app password', () => {
    const log = lines.join('\n');
    expect(log.length).toBeGreaterThan(0);
    const everything = `${log}\n${answers.join('\n')}`;
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  throw new Error('timed out');
}
