import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SmtpFake } from '../fakes/smtp.fake';
import { auth, seedWorkspace } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/test-app';
import { calendarReady, keepEvidence, launchChromium, newVisitor, pageErrors, SCREENSHOTS, signIn } from './browser';
import { startIdentityProvider, type IdentityProvider } from './identity-provider';

/**
 * People in the page, in a real Chromium against the whole service on PostgreSQL: sign-up
 * and sign-in by password, an invitation by email (the SMTP stand-in receives it), members
 * and their roles, personal tokens, password reset, and single sign-on through a loopback
 * OpenID provider. The page only ever holds the HttpOnly session cookie.
 */
describe('people in the page', () => {
  let t: TestApp;
  let smtp: SmtpFake;
  let idp: IdentityProvider;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    smtp = new SmtpFake();
    idp = await startIdentityProvider('Company login', {
      'sam@sso.example': { email: 'sam@sso.example', email_verified: true, name: 'Sam Single' },
    });
    const smtpUrl = await smtp.start();
    [t, browser] = await Promise.all([
      createTestApp({
        now: new Date().toISOString(),
        config: { smtpUrl, oidc: idp.config, signinAttemptsPerMinute: 1000 },
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.stop();
    await idp?.stop();
  });

  /** A fresh browser (its own cookies); its screenshot is kept when the test fails. */
  async function visitor(): Promise<Page> {
    const { context, page } = await newVisitor(browser, t.url);
    contexts.push(context);
    return page;
  }
  /** Runs a scenario: on a failure every page's screenshot is kept; at the end no page may have thrown. */
  async function scenario(work: () => Promise<void>): Promise<void> {
    try {
      await work();
      for (const context of contexts) for (const page of context.pages()) expect(pageErrors(page)).toEqual([]);
    } catch (e) {
      let n = 0;
      for (const context of contexts)
        for (const page of context.pages()) await keepEvidence(page, `${expect.getState().currentTestName} ${++n}`);
      throw e;
    } finally {
      for (const context of contexts.splice(0)) await context.close();
    }
  }

  /** The token of the newest link of `kind` mailed to `email` (the link's fragment). */
  async function mailedToken(email: string, kind: 'invitation' | 'reset' | 'verify'): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const mail = smtp.to(email).findLast((m) => m.text.includes(`#${kind}=`));
      if (mail) return new RegExp(`#${kind}=([A-Za-z0-9_-]+)`).exec(mail.text)![1]!;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${kind} mail to ${email}; mails: ${smtp.mails.map((m) => m.subject).join(' | ')}`);
  }

  const signOut = async (page: Page) => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('Email').waitFor();
  };

  it('a lead signs up and in, invites an editor who joins from the email; the editor cannot manage members; removed, they are refused', () =>
    scenario(async () => {
      const lead = await visitor();
      await lead.goto('/');
      await lead.getByRole('heading', { name: 'Sign in' }).waitFor();
      await lead.getByRole('link', { name: 'Sign in with Company login' }).waitFor();
      await lead.screenshot({ path: join(SCREENSHOTS, 'sign-in.png') });

      // Sign-up: an account and its workspace, the user its lead.
      await lead.getByRole('button', { name: 'Create an account' }).click();
      await lead.getByLabel('Your name').fill('Lina Lead');
      await lead.getByLabel('Email').fill('lina@bottega.example');
      await lead.getByLabel('Password').fill('short');
      await lead.getByLabel('Workspace name').fill('Bottega');
      await lead.getByLabel('Time zone').selectOption('Europe/Rome');
      await lead.getByRole('button', { name: 'Create account' }).click();
      // Too short a password is refused before anything is sent.
      await lead.getByRole('alert').filter({ hasText: 'Password' }).waitFor();
      await lead.getByLabel('Password').fill('a loom, wool and winter');
      await lead.getByRole('button', { name: 'Create account' }).click();
      await calendarReady(lead);
      expect(await lead.getByTestId('who').textContent()).toBe('Lina Lead · Lead');
      expect(await lead.locator('header .workspace').textContent()).toBe('Bottega');

      // Sign out, then in again with the password; a wrong one shows the API's answer.
      await signOut(lead);
      await lead.getByLabel('Email').fill('lina@bottega.example');
      await lead.getByLabel('Password').fill('not the password');
      await lead.getByRole('button', { name: 'Sign in', exact: true }).click();
      await lead.getByRole('alert').filter({ hasText: 'The email or the password is wrong.' }).waitFor();
      await signIn(lead, 'lina@bottega.example', 'a loom, wool and winter');

      // Invite an editor by email.
      await lead.getByRole('tab', { name: 'Members' }).click();
      const members = lead.getByRole('tabpanel', { name: 'Members' });
      await members.getByRole('row', { name: /Lina Lead \(you\)/ }).waitFor();
      await members.getByLabel('Email').fill('ed@bottega.example');
      await members.getByLabel('Role', { exact: true }).selectOption('editor');
      await members.getByRole('button', { name: 'Send invitation' }).click();
      await members.locator('.invitation-list li').filter({ hasText: 'ed@bottega.example · Editor' }).waitFor();
      const token = await mailedToken('ed@bottega.example', 'invitation');

      // The editor opens the link in another browser, chooses a name and a password.
      const editor = await visitor();
      await editor.goto(`/#invitation=${token}`);
      await editor.getByRole('heading', { name: 'You are invited to Palinsesto' }).waitFor();
      expect(editor.url()).not.toContain(token); // the token leaves the address bar at once
      await editor.getByLabel('Your name').fill('Ed Editor');
      await editor.getByLabel('Password').fill('my own editor password');
      await editor.getByRole('button', { name: 'Accept invitation' }).click();
      await calendarReady(editor);
      expect(await editor.getByTestId('who').textContent()).toBe('Ed Editor · Editor');
      // The link works once.
      const again = await visitor();
      await again.goto(`/#invitation=${token}`);
      await again.getByLabel('Your name').fill('Someone Else');
      await again.getByLabel('Password').fill('another password here');
      await again.getByRole('button', { name: 'Accept invitation' }).click();
      await again.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();

      // The editor signs in with that password; no Members tab, and the API refuses them too.
      await signOut(editor);
      await signIn(editor, 'ed@bottega.example', 'my own editor password');
      expect(await editor.getByRole('tab', { name: 'Members' }).count()).toBe(0);
      await editor.goto('/#members');
      await calendarReady(editor);
      expect(await editor.getByRole('tabpanel', { name: 'Members' }).count()).toBe(0);
      const refused = await editor.evaluate(async () => {
        const me = (await (await fetch('/v1/me')).json()) as { workspace: { id: string } };
        const res = await fetch(`/v1/workspaces/${me.workspace.id}/invitations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'friend@bottega.example', role: 'lead' }),
        });
        return res.status;
      });
      expect(refused).toBe(403);

      // The lead sees the editor, changes the role and back, and removes them.
      await lead.reload(); // on the Members tab
      const role = members.getByLabel('Role of Ed Editor');
      await role.waitFor();
      expect(await role.inputValue()).toBe('editor');
      await role.selectOption('viewer');
      await lead.getByRole('status').filter({ hasText: 'Ed Editor is now viewer.' }).waitFor();
      await role.selectOption('editor');
      await lead.getByRole('status').filter({ hasText: 'Ed Editor is now editor.' }).waitFor();
      await members.getByRole('row', { name: /Ed Editor/ }).waitFor();
      await lead.evaluate("document.getElementById('toasts')?.replaceChildren()"); // a clean picture
      await lead.screenshot({ path: join(SCREENSHOTS, 'members-panel.png') });
      lead.once('dialog', (d) => void d.accept());
      await members.getByRole('button', { name: 'Remove Ed Editor' }).click();
      await lead.getByRole('status').filter({ hasText: 'Ed Editor is removed.' }).waitFor();
      await members.getByRole('row', { name: /Ed Editor/ }).waitFor({ state: 'detached' });

      // The editor's next click is refused: back to sign-in, saying why.
      await editor.getByRole('tab', { name: 'Alerts' }).click();
      await editor.getByRole('alert').filter({ hasText: 'You are signed out' }).waitFor();
      await editor.getByLabel('Email').waitFor();
      expect(await editor.locator('.calendar').count()).toBe(0);
    }));

  it('creates a read-only personal token shown once with a copy button, which works for reading only, and revokes it', () =>
    scenario(async () => {
      const page = await visitor();
      await page.goto('/');
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('Your name').fill('Tina Tokens');
      await page.getByLabel('Email').fill('tina@bottega.example');
      await page.getByLabel('Password').fill('tokens for my scripts');
      await page.getByLabel('Workspace name').fill('Scripts');
      await page.getByRole('button', { name: 'Create account' }).click();
      await calendarReady(page);

      // The address is verified from the emailed link, staying signed in.
      await page.goto(`/#verify=${await mailedToken('tina@bottega.example', 'verify')}`);
      await page.getByRole('status').filter({ hasText: 'Your email address is verified.' }).waitFor();
      await calendarReady(page);

      await page.getByRole('tab', { name: 'Access tokens' }).click();
      const panel = page.getByRole('tabpanel', { name: 'Access tokens' });
      await panel.getByText('No tokens yet.').waitFor();
      await panel.getByLabel('Token name').fill('Nightly export');
      await panel.getByLabel('Read-only').check();
      await panel.getByRole('button', { name: 'Create token' }).click();
      const secret = await panel.getByLabel('Token', { exact: true }).inputValue();
      expect(secret.length).toBeGreaterThan(20);
      await panel.getByRole('button', { name: 'Copy token' }).click();
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
      const row = panel.getByRole('row', { name: /Nightly export/ });
      await row.waitFor();
      expect(await row.textContent()).toContain('Read-only');
      expect(await row.textContent()).toContain('Never');

      // The secret reads, refuses writes (read-only), and its use shows in the list.
      const me = await t.http.get('/v1/me').set(auth(secret)).expect(200);
      expect(me.body.name).toBe('Tina Tokens');
      await t.http
        .post(`/v1/workspaces/${me.body.workspace.id}/categories`)
        .set(auth(secret))
        .send({ key: 'x', name: 'x' })
        .expect(403);
      await page.reload(); // on the Access tokens tab
      await row.waitFor();
      expect(await row.textContent()).not.toContain('Never');
      // Shown once: after a reload, the secret is nowhere on the page.
      expect(await page.content()).not.toContain(secret);

      page.once('dialog', (d) => void d.accept());
      await panel.getByRole('button', { name: 'Revoke token Nightly export' }).click();
      await panel.getByText('No tokens yet.').waitFor();
      await t.http.get('/v1/me').set(auth(secret)).expect(401);
    }));

  it('resets a forgotten password from the emailed link, once', () =>
    scenario(async () => {
      const page = await visitor();
      await page.goto('/');
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('Your name').fill('Fred Forgetful');
      await page.getByLabel('Email').fill('fred@bottega.example');
      await page.getByLabel('Password').fill('the password I forget');
      await page.getByLabel('Workspace name').fill('Memory');
      await page.getByRole('button', { name: 'Create account' }).click();
      await calendarReady(page);
      await signOut(page);

      await page.getByLabel('Email').fill('fred@bottega.example');
      await page.getByRole('button', { name: 'Forgot password?' }).click();
      expect(await page.getByLabel('Email').inputValue()).toBe('fred@bottega.example');
      await page.getByRole('button', { name: 'Send me a link' }).click();
      await page.getByRole('status').filter({ hasText: 'a link to choose a new password is on its way' }).waitFor();
      const token = await mailedToken('fred@bottega.example', 'reset');

      await page.goto(`/#reset=${token}`);
      await page.getByLabel('New password').fill('a password I remember');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
      await signIn(page, 'fred@bottega.example', 'a password I remember');

      // The link worked once.
      await signOut(page);
      await page.goto(`/#reset=${token}`);
      await page.getByLabel('New password').fill('yet another password');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    }));

  it('switches between the workspaces of a user invited while signed in, and signs out everywhere', async () =>
    scenario(async () => {
      const ws = await seedWorkspace(t, 'Cliente Due');
      const page = await visitor();
      await page.goto('/');
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('Your name').fill('Frida Freelance');
      await page.getByLabel('Email').fill('frida@freelance.example');
      await page.getByLabel('Password').fill('three clients, one me');
      await page.getByLabel('Workspace name').fill('Cliente Uno');
      await page.getByRole('button', { name: 'Create account' }).click();
      await calendarReady(page);

      // Invited to a second workspace, she joins from the link while signed in.
      await t.http
        .post(`/v1/workspaces/${ws.workspaceId}/invitations`)
        .set(auth(ws.lead.key))
        .send({ email: 'frida@freelance.example', role: 'viewer' })
        .expect(201);
      const token = await mailedToken('frida@freelance.example', 'invitation');
      await page.goto(`/#invitation=${token}`);
      await page.getByRole('button', { name: 'Join as Frida Freelance' }).click();
      await calendarReady(page);

      const switcher = page.getByRole('combobox', { name: 'Workspace' });
      expect(await switcher.locator('option').allTextContents()).toEqual([
        'Cliente Uno (Lead)',
        'Cliente Due (Viewer)',
      ]);
      expect(await page.getByTestId('who').textContent()).toBe('Frida Freelance · Lead');
      await switcher.selectOption({ label: 'Cliente Due (Viewer)' });
      await page.getByTestId('who').filter({ hasText: 'Frida Freelance · Viewer' }).waitFor();
      await calendarReady(page);
      expect(await page.getByRole('tab', { name: 'Members' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'New post' }).count()).toBe(0);
      // The choice holds across a reload.
      await page.reload();
      await calendarReady(page);
      expect(await switcher.inputValue()).toBe(ws.workspaceId);

      // Signed in on a second device too; "sign out everywhere" ends both.
      const phone = await visitor();
      await signIn(phone, 'frida@freelance.example', 'three clients, one me');
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.getByRole('status').filter({ hasText: 'You are signed out on every device.' }).waitFor();
      await phone.getByRole('tab', { name: 'Feeds' }).click();
      await phone.getByRole('alert').filter({ hasText: 'You are signed out' }).waitFor();
    }));

  it('signs a user in through single sign-on, joining the workspace of their email domain', () =>
    scenario(async () => {
      const ws = await seedWorkspace(t);
      await t.http
        .patch(`/v1/workspaces/${ws.workspaceId}`)
        .set(auth(ws.lead.key))
        .send({ settings: { ssoDomains: ['sso.example'], ssoRole: 'editor' } })
        .expect(200);
      const page = await visitor();
      await page.goto('/');
      await page.getByRole('link', { name: 'Sign in with Company login' }).click();
      await idp.signInAt(page, 'sam@sso.example');
      await calendarReady(page);
      expect(await page.getByTestId('who').textContent()).toBe('Sam Single · Editor');
    }));
});
