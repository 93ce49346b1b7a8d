import type { LoggerService } from '@nestjs/common';
import { SmtpFake, type ReceivedMail } from '../fakes/smtp.fake';
import { auth } from '../support/fixtures';
import { createSecondInstance, createTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery staple';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The session cookie of a Set-Cookie answer, as a Cookie header value. */
function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  const line = set.find((l) => l.startsWith('palinsesto_session='));
  if (!line) throw new Error(`no session cookie in ${JSON.stringify(set)}`);
  return line.split(';')[0];
}

function setCookieLine(res: { headers: Record<string, unknown> }): string {
  return ((res.headers['set-cookie'] as string[] | undefined) ?? []).find((l) => l.startsWith('palinsesto_session='))!;
}

let emails = 0;
const newEmail = (what: string) => `${what}-${++emails}@example.com`;

async function until<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function tokenIn(mail: ReceivedMail, kind: string): string {
  const match = new RegExp(`#${kind}=([A-Za-z0-9_-]{43})`).exec(mail.text);
  if (!match) throw new Error(`no ${kind} link in: ${mail.text}`);
  return match[1];
}

describe('people: accounts, sessions, invitations, recovery, tokens', () => {
  let t: TestApp;
  let smtp: SmtpFake;
  /** Each test signs in from its own client address (X-Forwarded-For through a trusted loopback proxy). */
  let addresses = 0;
  let ip = '';
  const lines: string[] = [];
  const record = (...parts: unknown[]) =>
    lines.push(parts.map((p) => (p instanceof Error ? p.stack : String(p))).join(' '));
  const capture: LoggerService = { log: record, error: record, warn: record, debug: record, verbose: record };

  beforeAll(async () => {
    smtp = new SmtpFake();
    const smtpUrl = await smtp.start();
    t = await createTestApp({ config: { smtpUrl, trustProxy: ['loopback'] } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });
  beforeEach(() => {
    ip = `198.51.100.${++addresses}`;
  });

  const from = () => ({ 'X-Forwarded-For': ip });
  const mailTo = (after: number, email: string, kind: string) =>
    smtp.mails.slice(after).find((m) => m.to.includes(email) && m.text.includes(`#${kind}=`));

  async function signUp(email = newEmail('lead'), name = 'Giulia Rossi') {
    const res = await t.http
      .post('/v1/auth/sign-up')
      .set(from())
      .send({ name, email, password: PASSWORD, workspace: { name: `Team of ${email}`, timezone: 'Europe/Rome' } });
    expect(res.status).toBe(201);
    return { email, cookie: cookieOf(res), workspaceId: res.body.workspace.id as string, body: res.body };
  }

  async function invite(lead: { cookie: string; workspaceId: string }, email: string, role = 'editor') {
    const before = smtp.mails.length;
    const res = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/invitations`)
      .set(from())
      .set('Cookie', lead.cookie)
      .set('Origin', originOf(t))
      .send({ email, role });
    expect(res.status).toBe(201);
    const mail = await until(() => mailTo(before, email, 'invitation'), 'the invitation');
    return { res, token: tokenIn(mail, 'invitation') };
  }

  it('signs up: 201 with the workspace, the user as its lead, and an HttpOnly SameSite=Lax session cookie', async () => {
    const { body, cookie, workspaceId } = await signUp();
    expect(body.member.role).toBe('lead');
    expect(body.workspace.timezone).toBe('Europe/Rome');
    expect(JSON.stringify(body)).not.toContain(cookie.split('=')[1]);
    const me = await t.http.get('/v1/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body.user.name).toBe('Giulia Rossi');
    expect(me.body.memberships).toEqual([expect.objectContaining({ workspaceId, role: 'lead' })]);
    expect((await t.http.get(`/v1/workspaces/${workspaceId}/channels`).set('Cookie', cookie)).status).toBe(200);
  });

  it('sets the cookie HttpOnly, SameSite=Lax, Path=/, not Secure over http; Secure when PUBLIC_URL is https', async () => {
    const { email } = await signUp();
    const res = await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: PASSWORD });
    expect(res.status).toBe(200);
    const line = setCookieLine(res);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Path=\//);
    expect(line).not.toMatch(/Secure/);
    const https = await createSecondInstance(t, { publicUrl: 'https://palinsesto.example.com' });
    try {
      const secure = await https.http.post('/v1/auth/sign-in').send({ email, password: PASSWORD });
      expect(secure.status).toBe(200);
      expect(setCookieLine(secure)).toMatch(/; Secure/);
      expect(setCookieLine(secure)).toMatch(/; HttpOnly/);
    } finally {
      await https.close();
    }
  });

  it('refuses a cookie-authenticated write from a foreign Origin, or with neither Origin nor Referer (403), and changes nothing', async () => {
    const lead = await signUp();
    const path = `/v1/workspaces/${lead.workspaceId}`;
    const foreign = await t.http
      .patch(path)
      .set('Cookie', lead.cookie)
      .set('Origin', 'https://evil.example')
      .send({ name: 'Hijacked' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers['content-type']).toMatch(/application\/problem\+json/);
    const bare = await t.http.patch(path).set('Cookie', lead.cookie).send({ name: 'Hijacked' });
    expect(bare.status).toBe(403);
    const foreignReferer = await t.http
      .patch(path)
      .set('Cookie', lead.cookie)
      .set('Referer', 'https://evil.example/page')
      .send({ name: 'Hijacked' });
    expect(foreignReferer.status).toBe(403);
    expect((await t.http.get(path).set('Cookie', lead.cookie)).body.name).not.toBe('Hijacked');
    const ownReferer = await t.http
      .patch(path)
      .set('Cookie', lead.cookie)
      .set('Referer', `${originOf(t)}/calendar`)
      .send({ name: 'Renamed' });
    expect(ownReferer.status).toBe(200);
    const ownOrigin = await t.http
      .patch(path)
      .set('Cookie', lead.cookie)
      .set('Origin', originOf(t))
      .send({ name: 'Renamed again' });
    expect(ownOrigin.status).toBe(200);
    expect(ownOrigin.body.name).toBe('Renamed again');
  });

  it('answers an unknown email and a wrong password with the same status and body', async () => {
    const { email } = await signUp();
    const unknown = await t.http
      .post('/v1/auth/sign-in')
      .set(from())
      .send({ email: newEmail('nobody'), password: PASSWORD });
    const wrong = await t.http
      .post('/v1/auth/sign-in')
      .set(from())
      .send({ email, password: 'not the password at all' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('stores passwords only as Argon2id hashes with the OWASP parameters', async () => {
    const { email } = await signUp();
    const rows = await t.db.query('SELECT * FROM users WHERE email = $1', [email]);
    expect(rows).toHaveLength(1);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(JSON.stringify(rows[0])).not.toContain(PASSWORD);
    const sessions = await t.db.query('SELECT token_hash FROM sessions WHERE user_id = $1', [rows[0].id]);
    expect(sessions[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers 429 with Retry-After to repeated failed sign-ins, on every instance alike', async () => {
    const { email } = await signUp();
    const other = await createSecondInstance(t, { trustProxy: ['loopback'] });
    try {
      t.clock.advance(2 * MINUTE);
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        const res = await t.http
          .post('/v1/auth/sign-in')
          .set('X-Forwarded-For', `203.0.113.${i + 1}`)
          .send({ email, password: `wrong password ${i}` });
        statuses.push(res.status);
      }
      expect(statuses).toEqual(Array(10).fill(401));
      // Another instance, another address, even the right password: the account is throttled.
      const refused = await other.http
        .post('/v1/auth/sign-in')
        .set('X-Forwarded-For', '203.0.113.99')
        .send({ email, password: PASSWORD });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Per address too: ten accounts from one address, the eleventh attempt refused.
      const addressStatuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const res = await (i % 2 ? other : t).http
          .post('/v1/auth/sign-in')
          .set('X-Forwarded-For', '192.0.2.200')
          .send({ email: newEmail('guess'), password: 'guess guess guess' });
        addressStatuses.push(res.status);
      }
      expect(addressStatuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(addressStatuses[10]).toBe(429);
      // Throttling, not a lock-out: after the window the owner signs in.
      t.clock.advance(2 * MINUTE);
      const later = await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: PASSWORD });
      expect(later.status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('invites by email: the link works once, signs the invitee in, and a forged link is a 400', async () => {
    const lead = await signUp();
    const editorEmail = newEmail('editor');
    const { res, token } = await invite(lead, editorEmail);
    expect(res.body).toEqual(expect.objectContaining({ email: editorEmail, role: 'editor', emailSent: true }));
    expect(JSON.stringify(res.body)).not.toContain(token);
    const accepted = await t.http
      .post(`/v1/invitations/${token}/accept`)
      .set(from())
      .send({ name: 'Marco Bianchi', password: PASSWORD });
    expect(accepted.status).toBe(200);
    expect(accepted.body.member.role).toBe('editor');
    const editorCookie = cookieOf(accepted);
    const me = await t.http.get('/v1/me').set('Cookie', editorCookie);
    expect(me.body.memberships).toEqual([expect.objectContaining({ workspaceId: lead.workspaceId, role: 'editor' })]);
    // The editor cannot invite (lead only).
    const notLead = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/invitations`)
      .set('Cookie', editorCookie)
      .set('Origin', originOf(t))
      .send({ email: newEmail('x'), role: 'viewer' });
    expect(notLead.status).toBe(403);
    // Once only.
    const again = await t.http
      .post(`/v1/invitations/${token}/accept`)
      .set(from())
      .send({ name: 'Someone Else', password: 'another password here' });
    expect(again.status).toBe(400);
    const forged = await t.http
      .post(`/v1/invitations/${'A'.repeat(43)}/accept`)
      .set(from())
      .send({ name: 'Someone Else', password: 'another password here' });
    expect(forged.status).toBe(400);
    const members = await t.db.query('SELECT count(*)::int AS n FROM members WHERE workspace_id = $1', [
      lead.workspaceId,
    ]);
    expect(members[0].n).toBe(2);
    // Signed in with the invitee's new password.
    const signIn = await t.http.post('/v1/auth/sign-in').set(from()).send({ email: editorEmail, password: PASSWORD });
    expect(signIn.status).toBe(200);
  });

  it('lets an existing user accepting while signed in just gain the membership', async () => {
    const first = await signUp();
    const other = await signUp();
    const { token } = await invite(first, other.email, 'viewer');
    const accepted = await t.http
      .post(`/v1/invitations/${token}/accept`)
      .set(from())
      .set('Cookie', other.cookie)
      .set('Origin', originOf(t))
      .send({});
    expect(accepted.status).toBe(200);
    expect(accepted.headers['set-cookie']).toBeUndefined();
    const me = await t.http.get('/v1/me').set('Cookie', other.cookie);
    expect(me.body.memberships.map((m: { workspaceId: string }) => m.workspaceId).sort()).toEqual(
      [first.workspaceId, other.workspaceId].sort(),
    );
    // The workspace asked for by X-Workspace-Id.
    const asViewer = await t.http.get('/v1/me').set('Cookie', other.cookie).set('X-Workspace-Id', first.workspaceId);
    expect(asViewer.body.role).toBe('viewer');
  });

  it('lets an invitation expire: past INVITATION_TTL_HOURS the link is a 400 and nothing changes', async () => {
    const lead = await signUp();
    const email = newEmail('late');
    const { token } = await invite(lead, email);
    t.clock.advance(7 * DAY + MINUTE);
    const late = await t.http
      .post(`/v1/invitations/${token}/accept`)
      .set(from())
      .send({ name: 'Too Late', password: PASSWORD });
    expect(late.status).toBe(400);
    expect(await t.db.query('SELECT id FROM users WHERE email = $1', [email])).toHaveLength(0);
  });

  it('resets a password by email: the same answer for unknown emails, the link works once and expires', async () => {
    const { email, cookie } = await signUp();
    const before = smtp.mails.length;
    const unknown = await t.http
      .post('/v1/auth/password-reset')
      .set(from())
      .send({ email: newEmail('nobody') });
    const known = await t.http.post('/v1/auth/password-reset').set(from()).send({ email });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.body).toEqual(unknown.body);
    const mail = await until(() => mailTo(before, email, 'reset'), 'the reset mail');
    const token = tokenIn(mail, 'reset');
    const reset = await t.http
      .post('/v1/auth/password-reset/confirm')
      .set(from())
      .send({ token, password: 'a brand new passphrase' });
    expect(reset.status).toBe(204);
    // Every session of the account ended.
    expect((await t.http.get('/v1/me').set('Cookie', cookie)).status).toBe(401);
    const reused = await t.http
      .post('/v1/auth/password-reset/confirm')
      .set(from())
      .send({ token, password: 'yet another passphrase' });
    expect(reused.status).toBe(400);
    expect(
      (await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: 'a brand new passphrase' })).status,
    ).toBe(200);
    // A second link expires after PASSWORD_RESET_TTL_MINUTES.
    const count = smtp.mails.length;
    t.clock.advance(20 * MINUTE); // past the per-account mail window
    await t.http.post('/v1/auth/password-reset').set(from()).send({ email });
    const second = await until(() => mailTo(count, email, 'reset'), 'the second mail');
    t.clock.advance(61 * MINUTE);
    const expired = await t.http
      .post('/v1/auth/password-reset/confirm')
      .set(from())
      .send({ token: tokenIn(second, 'reset'), password: 'too late passphrase' });
    expect(expired.status).toBe(400);
    expect(
      (await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: 'a brand new passphrase' })).status,
    ).toBe(200);
  });

  it('verifies an email by the link sent at sign-up, once', async () => {
    const before = smtp.mails.length;
    const { email, cookie } = await signUp();
    const mail = await until(() => mailTo(before, email, 'verify'), 'the verification');
    const token = tokenIn(mail, 'verify');
    expect((await t.http.post('/v1/auth/verify-email').set(from()).send({ token })).status).toBe(204);
    expect((await t.http.post('/v1/auth/verify-email').set(from()).send({ token })).status).toBe(400);
    const signIn = await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: PASSWORD });
    expect(signIn.body.user.emailVerified).toBe(true);
    expect(cookie).toBeTruthy();
  });

  it('ends sessions: sign-out, sign out everywhere, idle and absolute timeouts', async () => {
    const { email, cookie } = await signUp();
    const second = cookieOf(await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: PASSWORD }));
    const out = await t.http.post('/v1/auth/sign-out').set('Cookie', cookie).set('Origin', originOf(t));
    expect(out.status).toBe(204);
    expect(setCookieLine(out)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await t.http.get('/v1/me').set('Cookie', cookie)).status).toBe(401);
    expect((await t.http.get('/v1/me').set('Cookie', second)).status).toBe(200);
    const third = cookieOf(await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: PASSWORD }));
    const everywhere = await t.http
      .post('/v1/auth/sign-out-everywhere')
      .set('Cookie', third)
      .set('Origin', originOf(t));
    expect(everywhere.status).toBe(201);
    expect(everywhere.body.ended).toBe(2);
    expect((await t.http.get('/v1/me').set('Cookie', second)).status).toBe(401);
    // Idle: 7 days unused.
    const idle = cookieOf(await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: PASSWORD }));
    t.clock.advance(6 * DAY);
    expect((await t.http.get('/v1/me').set('Cookie', idle)).status).toBe(200);
    t.clock.advance(6 * DAY);
    expect((await t.http.get('/v1/me').set('Cookie', idle)).status).toBe(200);
    t.clock.advance(7 * DAY + MINUTE);
    expect((await t.http.get('/v1/me').set('Cookie', idle)).status).toBe(401);
    // Absolute: 30 days, however often used.
    const used = cookieOf(await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: PASSWORD }));
    for (let day = 0; day < 30; day += 5) {
      expect((await t.http.get('/v1/me').set('Cookie', used)).status).toBe(200);
      t.clock.advance(5 * DAY);
    }
    t.clock.advance(MINUTE);
    expect((await t.http.get('/v1/me').set('Cookie', used)).status).toBe(401);
    // A forged cookie.
    expect((await t.http.get('/v1/me').set('Cookie', `palinsesto_session=${'B'.repeat(43)}`)).status).toBe(401);
  });

  it("refuses a removed member's session at once on another instance", async () => {
    const lead = await signUp();
    const email = newEmail('removed');
    const { token } = await invite(lead, email);
    const accepted = await t.http
      .post(`/v1/invitations/${token}/accept`)
      .set(from())
      .send({ name: 'Soon Gone', password: PASSWORD });
    const editorCookie = cookieOf(accepted);
    const other = await createSecondInstance(t);
    try {
      const path = `/v1/workspaces/${lead.workspaceId}/channels`;
      expect((await other.http.get(path).set('Cookie', editorCookie)).status).toBe(200);
      expect((await other.http.get(path).set('Cookie', editorCookie)).status).toBe(200); // from the cache
      const removed = await t.http
        .delete(`/v1/workspaces/${lead.workspaceId}/members/${accepted.body.member.id}`)
        .set('Cookie', lead.cookie)
        .set('Origin', originOf(t));
      expect(removed.status).toBe(204);
      expect((await other.http.get(path).set('Cookie', editorCookie)).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('changes a role (lead only), audited; the last lead stays a lead', async () => {
    const lead = await signUp();
    const { token } = await invite(lead, newEmail('promoted'), 'viewer');
    const accepted = await t.http
      .post(`/v1/invitations/${token}/accept`)
      .set(from())
      .send({ name: 'Promoted', password: PASSWORD });
    const memberId = accepted.body.member.id as string;
    const res = await t.http
      .patch(`/v1/workspaces/${lead.workspaceId}/members/${memberId}`)
      .set('Cookie', lead.cookie)
      .set('Origin', originOf(t))
      .send({ role: 'editor' });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('editor');
    const leadMember = lead.body.member.id as string;
    const last = await t.http
      .patch(`/v1/workspaces/${lead.workspaceId}/members/${leadMember}`)
      .set('Cookie', lead.cookie)
      .set('Origin', originOf(t))
      .send({ role: 'viewer' });
    expect(last.status).toBe(409);
    const audit = await t.http.get(`/v1/workspaces/${lead.workspaceId}/audit`).set('Cookie', lead.cookie);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['member.role', 'invitation.create', 'invitation.accept']));
  });

  it('makes personal access tokens: shown once, listed with their last use, read-only refused on writes, revocable', async () => {
    const lead = await signUp();
    const made = await t.http
      .post('/v1/me/tokens')
      .set('Cookie', lead.cookie)
      .set('Origin', originOf(t))
      .set('X-Workspace-Id', lead.workspaceId)
      .send({ name: 'Publishing script' });
    expect(made.status).toBe(201);
    const secret = made.body.secret as string;
    expect(secret).toMatch(/^pal_/);
    let list = await t.http.get('/v1/me/tokens').set('Cookie', lead.cookie);
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: made.body.token.id, name: 'Publishing script', lastUsedAt: null }),
    ]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    const used = await t.http.get(`/v1/workspaces/${lead.workspaceId}`).set(auth(secret));
    expect(used.status).toBe(200);
    list = await t.http.get('/v1/me/tokens').set('Cookie', lead.cookie);
    expect(list.body.items[0].lastUsedAt).toBe(t.clock.now().toISOString());
    // By the token, GET /v1/me answers the user and the memberships too.
    const me = await t.http.get('/v1/me').set(auth(secret));
    expect(me.body.user.email).toBe(lead.email);

    const readOnly = await t.http
      .post('/v1/me/tokens')
      .set('Cookie', lead.cookie)
      .set('Origin', originOf(t))
      .send({ name: 'Dashboard', readOnly: true });
    const ro = readOnly.body.secret as string;
    expect((await t.http.get(`/v1/workspaces/${lead.workspaceId}/channels`).set(auth(ro))).status).toBe(200);
    const write = await t.http
      .post(`/v1/workspaces/${lead.workspaceId}/categories`)
      .set(auth(ro))
      .send({ key: 'ro', name: 'Read only' });
    expect(write.status).toBe(403);
    // A key cannot mint keys (a leaked one would outlive its revocation).
    const byKey = await t.http.post('/v1/me/tokens').set(auth(secret)).send({ name: 'Minted by a key' });
    expect(byKey.status).toBe(403);

    const revoked = await t.http
      .delete(`/v1/me/tokens/${made.body.token.id}`)
      .set('Cookie', lead.cookie)
      .set('Origin', originOf(t));
    expect(revoked.status).toBe(204);
    expect((await t.http.get(`/v1/workspaces/${lead.workspaceId}`).set(auth(secret))).status).toBe(401);
    const audit = await t.http.get(`/v1/workspaces/${lead.workspaceId}/audit`).set('Cookie', lead.cookie);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['token.create', 'token.revoke']),
    );
  });

  it('records sign-ins and their failures in the audit trail', async () => {
    const { email } = await signUp();
    await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: PASSWORD });
    await t.http.post('/v1/auth/sign-in').set(from()).send({ email, password: 'wrong wrong wrong' });
    const rows = await t.db.query(
      `SELECT a.action FROM audit_events a JOIN users u ON u.id = a.actor_user_id WHERE u.email = $1 ORDER BY a.at`,
      [email],
    );
    expect(rows.map((r: { action: string }) => r.action)).toEqual(
      expect.arrayContaining(['user.sign_up', 'auth.sign_in', 'auth.sign_in_failed']),
    );
  });

  it('keeps POST /v1/workspaces and its api key working, and closes sign-up with SIGNUP=closed', async () => {
    const script = await t.http
      .post('/v1/workspaces')
      .send({ name: 'Scripted', timezone: 'UTC', lead: { name: 'Bot', email: newEmail('bot') } });
    expect(script.status).toBe(201);
    expect((await t.http.get('/v1/me').set(auth(script.body.apiKey))).body.role).toBe('lead');
    const closed = await createSecondInstance(t, { signup: 'closed' });
    try {
      const signUpClosed = await closed.http
        .post('/v1/auth/sign-up')
        .send({ name: 'N', email: newEmail('closed'), password: PASSWORD, workspace: { name: 'W', timezone: 'UTC' } });
      expect(signUpClosed.status).toBe(403);
      const workspaceClosed = await closed.http
        .post('/v1/workspaces')
        .send({ name: 'Scripted', timezone: 'UTC', lead: { name: 'Bot', email: newEmail('bot') } });
      expect(workspaceClosed.status).toBe(403);
    } finally {
      await closed.close();
    }
  });

  it('never writes a password, a session id or a token to the log', async () => {
    // Every log line of the app at every level, and whatever reaches stdout and stderr.
    lines.length = 0;
    t.app.useLogger(capture);
    const writes = [process.stdout, process.stderr].map((stream) => {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        lines.push(String(chunk));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      return () => (stream.write = original);
    });
    try {
      t.clock.advance(20 * MINUTE);
      const before = smtp.mails.length;
      smtp.refuseNext(1); // a failed send is logged too
      const lead = await signUp();
      await t.http.post('/v1/auth/sign-in').set(from()).send({ email: lead.email, password: 'a wrong password!' });
      const signedIn = await t.http
        .post('/v1/auth/sign-in')
        .set(from())
        .send({ email: lead.email, password: PASSWORD });
      await t.http.post('/v1/auth/password-reset').set(from()).send({ email: lead.email });
      const reset = await until(() => mailTo(before, lead.email, 'reset'), 'the reset mail');
      await t.http
        .post('/v1/auth/password-reset/confirm')
        .set(from())
        .send({ token: tokenIn(reset, 'reset'), password: 'the reset passphrase' });
      const relogged = await t.http
        .post('/v1/auth/sign-in')
        .set(from())
        .send({ email: lead.email, password: 'the reset passphrase' });
      const leadCookie = cookieOf(relogged);
      const invited = await invite({ cookie: leadCookie, workspaceId: lead.workspaceId }, newEmail('logged'));
      const accepted = await t.http
        .post(`/v1/invitations/${invited.token}/accept`)
        .set(from())
        .send({ name: 'Logged Person', password: 'the invitee passphrase' });
      const token = await t.http
        .post('/v1/me/tokens')
        .set('Cookie', leadCookie)
        .set('Origin', originOf(t))
        .send({ name: 'Secret script' });
      await t.http.get(`/v1/workspaces/${lead.workspaceId}`).set(auth(token.body.secret));
      await t.http.get('/v1/me').set('Cookie', `palinsesto_session=${'C'.repeat(43)}`);
      await new Promise((r) => setTimeout(r, 100));
      const secrets = [
        PASSWORD,
        'a wrong password!',
        'the reset passphrase',
        'the invitee passphrase',
        lead.cookie.split('=')[1],
        cookieOf(signedIn).split('=')[1],
        leadCookie.split('=')[1],
        cookieOf(accepted).split('=')[1],
        tokenIn(reset, 'reset'),
        invited.token,
        token.body.secret as string,
        'C'.repeat(43),
      ];
      expect(secrets.every((x) => typeof x === 'string' && x.length >= 10)).toBe(true);
      const log = lines.join('\n');
      expect(log).toContain('Sending a verification email failed'); // the capture works
      for (const secret of secrets) expect(log).not.toContain(secret);
    } finally {
      for (const restore of writes) restore();
    }
  });
});

function originOf(t: TestApp): string {
  return t.url;
}
