import type { Browser } from 'playwright-core';
import { MastodonFake } from '../fakes/mastodon.fake';
import { createPublishingApp, postState, schedulePost, type PublishingTestApp } from '../publishing/publishing-app';
import { auth } from '../support/fixtures';
import { calendarReady, keepEvidence, launchChromium, newVisitor, pageErrors } from './browser';

/**
 * A lead connects a Mastodon account from the channels panel, through the stand-in
 * instance's own authorization page (a real Chromium, the whole service on PostgreSQL),
 * and a post scheduled on the new channel is published to the stand-in.
 */
describe('connecting a channel from the page', () => {
  let t: PublishingTestApp;
  let browser: Browser;
  let mastodon: MastodonFake;

  beforeAll(async () => {
    mastodon = new MastodonFake({
      accessToken: 'configured-token-unused',
      username: 'bottega',
      displayName: 'Bottega',
    });
    await mastodon.start();
    [t, browser] = await Promise.all([createPublishingApp({ now: new Date().toISOString() }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await mastodon?.stop();
  });

  it('a lead connects a Mastodon channel through the instance’s OAuth page and a post is published to it', async () => {
    const signUp = await t.http
      .post('/v1/auth/sign-up')
      .send({
        name: 'Lea Lead',
        email: 'lea@bottega.example',
        password: 'correct horse battery staple',
        workspace: { name: 'Bottega', timezone: 'Europe/Rome' },
      })
      .expect(201);
    const cookieLine = (signUp.headers['set-cookie'] as unknown as string[]).find((l) =>
      l.startsWith('palinsesto_session='),
    )!;
    const [name, value] = cookieLine.split(';')[0]!.split('=') as [string, string];
    const token = await t.http
      .post('/v1/me/tokens')
      .set('Cookie', `${name}=${value}`)
      .set('Origin', t.url)
      .send({ name: 'page' })
      .expect(201);
    const key = token.body.secret as string; // the test's own reads and writes through the API

    const { page, context } = await newVisitor(browser, t.url);
    try {
      // Signed in by cookie (the callback checks it is the same person) and on the page.
      await context.addCookies([{ name, value, url: t.url }]);
      await page.goto('/'); // the session cookie signs the page in
      await calendarReady(page);
      await page.getByRole('tab', { name: 'Channels' }).click();
      await page.getByText('Connect an account').click();
      await page.getByLabel('Instance').fill(mastodon.url);
      await page.getByRole('button', { name: 'Connect Mastodon' }).click();

      // The instance's page: the lead authorizes Palinsesto there.
      await page.waitForURL((u) => u.origin === mastodon.url && u.pathname === '/oauth/authorize');
      await page.getByRole('button', { name: 'Authorize' }).click();

      // Back on the page, the new channel is shown, connected.
      await page.waitForURL((u) => u.origin === t.url && u.hash.includes('channel'));
      await page.locator('[data-testid="connection"][data-state="ok"]').waitFor();
      const channels = (
        await t.http.get(`/v1/workspaces/${signUp.body.workspace.id}/channels`).set(auth(key)).expect(200)
      ).body.items as { id: string; name: string; handle: string }[];
      expect(channels).toHaveLength(1);
      const channel = channels[0]!;
      expect(channel).toMatchObject({ name: 'Bottega', handle: `@bottega@${new URL(mastodon.url).host}` });
      expect(await page.locator('select[name="settings-channel"]').inputValue()).toBe(channel.id);
      await page.getByRole('button', { name: 'Reconnect' }).waitFor();

      // A post scheduled on it is published to the instance with the connected account's token.
      await t.http.patch(`/v1/channels/${channel.id}`).set(auth(key)).send({ approvalRequired: false }).expect(200);
      const when = new Date(t.clock.now().getTime() + 3_600_000);
      const post = await schedulePost(t, key, channel.id, when, { body: 'Hello from the connected channel' });
      t.clock.set(new Date(when.getTime() + 1000));
      await t.dispatcher.drain();
      expect((await postState(t, key, post.id)).status).toBe('published');
      expect(mastodon.statuses.map((s) => s.text)).toEqual(['Hello from the connected channel']);
      expect(pageErrors(page)).toEqual([]);
    } catch (e) {
      await keepEvidence(page, 'connect-mastodon');
      throw e;
    } finally {
      await context.close();
    }
  });
});
