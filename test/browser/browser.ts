import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AccountsService } from '../../src/accounts/accounts.service';
import { PasswordHasher } from '../../src/accounts/password.hasher';
import type { TestApp } from '../support/test-app';

/** Debian's Chromium (`apt-get install chromium`, done by .ci/run); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the browser tests leave the screenshots the README links to. */
export const SCREENSHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  }
  if (!existsSync(join(__dirname, '..', '..', 'dist', 'web', 'index.html'))) {
    throw new Error('The page is not built: run the browser tests with `npm run test:browser` (it builds web/ first).');
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    // No network beyond loopback: Chromium's own background traffic is switched off.
    args: [
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** A person in Rome with a desktop screen (or `width` pixels wide), not signed in yet. */
export async function newVisitor(
  browser: Browser,
  baseURL: string,
  width = 1280,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    baseURL,
    viewport: { width, height: width < 600 ? 740 : 900 },
    timezoneId: 'Europe/Rome',
    locale: 'en-GB',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  (page as Page & { problems: string[] }).problems = problems;
  return { context, page };
}

/** Signs in through the form with an email and a password, as a person would, and waits for the calendar. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await calendarReady(page);
}

export const PASSWORD = 'winter wool on the loom';

/**
 * The email and a password of the account behind an api key's member (members made by
 * `POST /v1/workspaces` or `.../members` have an account without a password: this gives it
 * one, through the service's own hasher and accounts service).
 */
export async function credentialsOf(t: TestApp, key: string): Promise<{ email: string; password: string }> {
  const me = await t.http.get('/v1/me').set('Authorization', `Bearer ${key}`).expect(200);
  const user = me.body.user as { id: string; email: string };
  const passwordHash = await t.app.get(PasswordHasher).hash(PASSWORD);
  await t.app.get(AccountsService).updateUser(t.db.manager, user.id, { passwordHash });
  return { email: user.email, password: PASSWORD };
}

/** Signs in by HTTP and hands the session cookie to the browser context (for pages opened already signed in). */
export async function giveSessionCookie(
  t: TestApp,
  context: BrowserContext,
  who: { email: string; password: string },
): Promise<void> {
  const res = await t.http.post('/v1/auth/sign-in').send(who).expect(200);
  const cookie = ((res.headers['set-cookie'] as unknown as string[]) ?? [])
    .find((c) => c.startsWith('palinsesto_session='))!
    .split(';')[0]!;
  await context.addCookies([{ name: 'palinsesto_session', value: cookie.split('=')[1]!, url: t.url }]);
}

export async function calendarReady(page: Page): Promise<void> {
  await page.locator('.calendar[data-state="ready"]').waitFor();
}

/** Keeps what the page showed when a step failed (test/browser/failures, not committed). */
export async function keepEvidence(page: Page, name: string): Promise<void> {
  const dir = join(__dirname, 'failures');
  mkdirSync(dir, { recursive: true });
  await page
    .screenshot({ path: join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true })
    .catch(() => undefined);
}

/** Uncaught errors the page threw: a test ends by expecting none. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

/**
 * Drags an element onto another with real mouse moves (FullCalendar's interaction plugin
 * needs a few intermediate moves to recognise a drag).
 */
export async function drag(
  page: Page,
  from: ReturnType<Page['locator']>,
  to: ReturnType<Page['locator']>,
): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('drag: element not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 5, a.y + a.height / 2 + 5, { steps: 3 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}
