import type { LoggerService } from '@nestjs/common';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OidcProvider } from '../fakes/oidc-provider.fake';
import { createSecondInstance, createTestApp, TestApp } from '../support/test-app';

/** Single sign-on against a real OpenID provider (oidc-provider) on loopback, with sign-up closed. */
describe('single sign-on (OpenID Connect)', () => {
  let t: TestApp;
  let idp: OidcProvider;
  const lines: string[] = [];
  const record = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
  const capture: LoggerService = { log: record, error: record, warn: record, debug: record, verbose: record };

  beforeAll(async () => {
    idp = new OidcProvider({
      'user-1': { email: 'sso@example.com', email_verified: true, name: 'Single Sign' },
      u2: { email: 'unverified@example.com', email_verified: false },
      u3: { email: 'new@corp.example', email_verified: true, name: 'New Colleague' },
    });
    const issuer = await idp.start();
    t = await createTestApp({
      config: {
        signup: 'closed',
        oidc: { issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, label: 'Company login' },
      },
    });
    t.app.useLogger(capture);
  });
  afterAll(async () => {
    await t.close();
    await idp.stop();
  });
  afterEach(async () => {
    await idp.tamper('none');
  });

  /** Starts a flow: its cookie, and where the provider sends the browser back once `login` signed in there. */
  async function begin(login = 'user-1') {
    const start = await t.http.get('/v1/auth/oidc/start');
    expect(start.status).toBe(302);
    const flowCookie = ((start.headers['set-cookie'] as unknown as string[]) ?? [])
      .find((c) => c.startsWith('palinsesto_oidc='))!
      .split(';')[0];
    const back = await idp.signIn(start.headers.location as string, login);
    return { flowCookie, back, callback: `${back.pathname}${back.search}` };
  }

  const sessionOf = (res: { headers: Record<string, unknown> }) =>
    ((res.headers['set-cookie'] as string[] | undefined) ?? [])
      .find((c) => c.startsWith('palinsesto_session='))
      ?.split(';')[0];

  it('says it is on, with its label', async () => {
    expect((await t.http.get('/v1/auth/oidc')).body).toEqual({ enabled: true, label: 'Company login' });
  });

  it('signs a user in through the provider with PKCE, state and nonce, although sign-up is closed', async () => {
    const { flowCookie, callback, back } = await begin();
    expect(back.pathname).toBe('/v1/auth/oidc/callback');
    const res = await t.http.get(callback).set('Cookie', flowCookie);
    expect(res.status).toBe(302);
    const cookie = sessionOf(res);
    expect(cookie).toBeDefined();
    const me = await t.http.get('/v1/me').set('Cookie', cookie!);
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual(expect.objectContaining({ email: 'sso@example.com', name: 'Single Sign' }));
    expect(me.body.memberships).toEqual([]);
    // The code went with the verifier, and the client authenticated.
    const sent = new URLSearchParams((await idp.tokenRequests()).at(-1)!.body);
    expect(sent.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await t.db.query(`SELECT password_hash, email_verified_at FROM users WHERE email = 'sso@example.com'`);
    expect(rows[0].password_hash).toBeNull();
    expect(rows[0].email_verified_at).not.toBeNull();
    // Sign-up stays closed.
    expect(
      (await t.http.post('/v1/workspaces').send({ name: 'x', timezone: 'UTC', lead: { name: 'a', email: 'a@b.co' } }))
        .status,
    ).toBe(403);
  });

  it('refuses a tampered state, a callback of another flow, a tampered flow cookie and a reused code (400), signing no one in', async () => {
    const a = await begin();
    const b = await begin();
    const tampered = a.callback.replace(/state=([^&]+)/, 'state=AAAA$1');
    const cases = [
      await t.http.get(tampered).set('Cookie', a.flowCookie),
      await t.http.get(b.callback).set('Cookie', a.flowCookie), // another flow's answer
      await t.http.get(a.callback), // no flow cookie
      await t.http.get(a.callback).set(
        'Cookie',
        a.flowCookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ];
    for (const res of cases) {
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(sessionOf(res)).toBeUndefined();
    }
    expect((await t.http.get(a.callback).set('Cookie', a.flowCookie)).status).toBe(302);
    const reused = await t.http.get(a.callback).set('Cookie', a.flowCookie);
    expect(reused.status).toBe(400);
    expect(sessionOf(reused)).toBeUndefined();
  });

  it.each([
    ['key', /signature is not valid/],
    ['audience', /for another client/],
    ['expired', /has expired/],
    ['nonce', /not for this sign-in/],
  ] as const)('refuses an ID token tampered with (%s): 400', async (tamper, detail) => {
    const { flowCookie, callback } = await begin();
    await idp.tamper(tamper);
    const res = await t.http.get(callback).set('Cookie', flowCookie);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(detail);
    expect(sessionOf(res)).toBeUndefined();
  });

  it('refuses an email the provider did not verify', async () => {
    const { flowCookie, callback } = await begin('u2');
    const res = await t.http.get(callback).set('Cookie', flowCookie);
    expect(res.status).toBe(400);
    expect(await t.db.query(`SELECT 1 FROM users WHERE email = 'unverified@example.com'`)).toHaveLength(0);
  });

  it("joins workspaces by email domain with their role on first sign-on, and enforces 'single sign-on only'", async () => {
    const open = await createSecondInstance(t); // sign-up open, no single sign-on
    try {
      const password = 'correct horse battery staple';
      const signUp = await open.http.post('/v1/auth/sign-up').send({
        name: 'Corp Lead',
        email: 'lead@corp.example',
        password,
        workspace: { name: 'Corp', timezone: 'UTC' },
      });
      expect(signUp.status).toBe(201);
      const wid = signUp.body.workspace.id as string;
      const cookie = sessionOf(signUp)!;
      const settings = { ssoDomains: ['Corp.Example'], ssoRole: 'editor', ssoOnly: true };
      // Not where single sign-on is off: it would lock everyone out.
      const refused = await open.http
        .patch(`/v1/workspaces/${wid}`)
        .set('Cookie', cookie)
        .set('Host', new URL(t.url).host)
        .set('Origin', t.url)
        .send({ settings });
      expect(refused.status).toBe(400);
      const set = await t.http
        .patch(`/v1/workspaces/${wid}`)
        .set('Cookie', cookie)
        .set('Origin', t.url)
        .send({ settings });
      expect(set.status).toBe(200);
      expect(set.body.settings).toEqual({
        maxActiveChannels: 3,
        ssoDomains: ['corp.example'],
        ssoRole: 'editor',
        ssoOnly: true,
      });

      const { flowCookie, callback } = await begin('u3');
      const res = await t.http.get(callback).set('Cookie', flowCookie);
      expect(res.status).toBe(302);
      const me = await t.http.get('/v1/me').set('Cookie', sessionOf(res)!);
      expect(me.body.memberships).toEqual([expect.objectContaining({ workspaceId: wid, role: 'editor' })]);

      // The lead's password no longer signs in; the answer for others is unchanged.
      const byPassword = await t.http.post('/v1/auth/sign-in').send({ email: 'lead@corp.example', password });
      expect(byPassword.status).toBe(403);
      const wrong = await t.http
        .post('/v1/auth/sign-in')
        .send({ email: 'lead@corp.example', password: 'not it at all' });
      expect(wrong.status).toBe(401);
    } finally {
      await open.close();
    }
  });

  it('answers 422 when the provider does not answer, and sets no flow cookie', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await createSecondInstance(t, {
      oidc: { issuer: `http://127.0.0.1:${port}`, clientId: idp.clientId, clientSecret: idp.clientSecret, label: 'x' },
    });
    try {
      const res = await down.http.get('/v1/auth/oidc/start');
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.headers['set-cookie']).toBeUndefined();
    } finally {
      await down.close();
    }
  });

  it('never logs the code, the client secret or the session id', async () => {
    lines.length = 0;
    const { flowCookie, callback, back } = await begin();
    const res = await t.http.get(callback).set('Cookie', flowCookie);
    await idp.tamper('key');
    const second = await begin();
    await t.http.get(second.callback).set('Cookie', second.flowCookie);
    const log = lines.join('\n');
    for (const secret of [back.searchParams.get('code')!, idp.clientSecret, sessionOf(res)!.split('=')[1]])
      expect(log).not.toContain(secret);
  });
});
