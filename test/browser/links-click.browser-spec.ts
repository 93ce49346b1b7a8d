import type { Browser } from 'playwright-core';
import { WebPageFake } from '../fakes/web-page.fake';
import { LinksService } from '../../src/links/links.service';
import { createChannel, createPost, seedWorkspace } from '../support/fixtures';
import { createTestApp, type TestApp } from '../support/test-app';
import { launchChromium, newVisitor } from './browser';

/**
 * A reader follows a tracked link in a real Chromium: from a page that links to
 * `/l/{code}`, through the 302, to the target page with its UTM tags. One click, counted
 * once (Chromium's own requests around a navigation, such as a preconnect or the
 * favicon, must not count).
 */
describe('a tracked link in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  const pages = new WebPageFake();

  beforeAll(async () => {
    await pages.start();
    [t, browser] = await Promise.all([
      createTestApp({ config: { publicUrl: 'https://go.palinsesto.test' } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await pages.stop();
  });

  it('redirects to the UTM-tagged page and counts the click once', async () => {
    const { lead } = await seedWorkspace(t);
    const channel = await createChannel(t, lead);
    const post = await createPost(t, lead, channel.id);
    const links = t.app.get(LinksService);
    const target = `${pages.url}/article?utm_source=mastodon&utm_medium=social&utm_campaign=spring`;
    // What the dispatcher does for a channel with trackLinks (the published host is PUBLIC_URL;
    // here the browser reaches the same code on the test instance).
    const [tracked] = (
      await links.track({ postId: post.id, channelId: channel.id, workspaceId: lead.workspaceId, campaign: 'spring' }, [
        target,
      ])
    ).values();
    const code = tracked.split('/l/')[1];
    pages.page('/article', '<title>The article</title><h1>The article</h1>');
    pages.page('/toot', `<title>A toot</title><p>New: <a id="link" href="${t.url}/l/${code}">read it</a></p>`);

    const { context, page } = await newVisitor(browser, pages.url);
    try {
      await page.goto('/toot');
      await Promise.all([page.waitForURL((url) => url.pathname === '/article'), page.click('#link')]);
      expect(page.url()).toBe(target);
      expect(await page.locator('h1').textContent()).toBe('The article');
      await page.waitForLoadState('networkidle');
    } finally {
      await context.close();
    }
    await links.flush();
    expect((await links.countsByPost([post.id], new Date('2100-01-01T00:00:00Z'))).get(post.id)).toBe(1);
  });
});
