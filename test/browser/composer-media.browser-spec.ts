import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { MastodonFake } from '../fakes/mastodon.fake';
import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, seedWorkspace } from '../support/fixtures';
import { credentialsOf, keepEvidence, launchChromium, newVisitor, pageErrors, SCREENSHOTS, signIn } from './browser';

/**
 * Issue 13, acceptance 7: a social media manager drops two photos into the composer, watches
 * them upload, describes them, and schedules the post; the month view shows its thumbnail and
 * the Mastodon stand-in receives the status with both images and their descriptions.
 */
const ZONE = 'Europe/Rome';
const TOKEN = 'mastodon-token-0123456789';
const today = DateTime.now().setZone(ZONE).startOf('day');
// Two days on, at 10:00; in the month view of today's month unless that runs past its end.
const when = today.plus({ days: 2 }).set({ hour: 10 });

/**
 * Waits until `expression` is true in the page, polling from the test: page.waitForFunction
 * evaluates a string with eval inside the page once it has to poll, which the page's CSP
 * (script-src 'self') forbids; page.evaluate goes through the debugger protocol instead.
 */
async function untilInPage(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting in the page for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** How the test signs in: the one place to change when the page signs in another way. */
async function signInAs(t: AlertsTestApp, page: Page, key: string): Promise<void> {
  const { email, password } = await credentialsOf(t, key);
  await signIn(page, email, password);
}

describe('media in the composer', () => {
  let t: AlertsTestApp;
  let browser: Browser;
  let mastodon: MastodonFake;
  let dir: string;
  const files: { name: string; path: string; bytes: Buffer }[] = [];

  beforeAll(async () => {
    mastodon = new MastodonFake({ accessToken: TOKEN });
    [t, browser] = await Promise.all([
      createAlertsApp({ now: new Date().toISOString() }),
      launchChromium(),
      mastodon.start(),
    ]);
    dir = mkdtempSync(join(tmpdir(), 'palinsesto-media-'));
    // Noisy pictures (they do not compress): a few hundred kB each, so the upload takes long
    // enough on a throttled connection to be watched.
    for (const [name, background] of [
      ['red-loom.png', { r: 200, g: 40, b: 40 }],
      ['blue-wool.png', { r: 40, g: 80, b: 200 }],
    ] as const) {
      const bytes = await sharp({
        create: {
          width: 480,
          height: 320,
          channels: 3,
          background: '#808080',
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      })
        .tint(background)
        .png()
        .toBuffer();
      const path = join(dir, name);
      writeFileSync(path, bytes);
      files.push({ name, path, bytes });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await mastodon?.stop();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('uploads two dropped images with progress, takes their alt texts, shows thumbnails, and publishes them on Mastodon', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      name: 'Bottega Mastodon',
      platform: 'mastodon',
      approvalRequired: false,
      credentials: { instanceUrl: mastodon.url, accessToken: TOKEN },
    });
    const { page, context } = await newVisitor(browser, t.url);
    try {
      await signInAs(t, page, ws.lead.key);
      await page.getByRole('button', { name: 'New post' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Channel').selectOption(channel.id);
      await dialog.getByLabel('Text').fill('Fresh from the dye house: red and blue wool.');
      await dialog.getByLabel('When (your time)').fill(when.toFormat("yyyy-LL-dd'T'HH:mm"));

      // A slow uplink (about 128 kB/s), so that the progress bars can be seen moving.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 128 * 1024,
      });

      // A real drop: a DataTransfer holding both files, dispatched onto the drop zone.
      const payload = files.map((f) => ({ name: f.name, base64: f.bytes.toString('base64') }));
      // (Page code as strings: the test's TypeScript has no DOM types.)
      const dataTransfer = await page.evaluateHandle(`(() => {
        const dt = new DataTransfer();
        for (const item of ${JSON.stringify(payload)}) {
          const bin = Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0));
          dt.items.add(new File([bin], item.name, { type: 'image/png' }));
        }
        return dt;
      })()`);
      await dialog.getByTestId('media-drop').dispatchEvent('dragover', { dataTransfer });
      await dialog.getByTestId('media-drop').dispatchEvent('drop', { dataTransfer });

      // Progress: a bar per file, seen part of the way through, with a Cancel button.
      const items = dialog.locator('.media-item');
      await expectCount(items, 2);
      const bar = dialog.getByRole('progressbar', { name: 'Uploading red-loom.png' });
      await bar.waitFor();
      await untilInPage(
        page,
        `(() => {
        const p = document.querySelector('.media-item progress');
        return !!p && p.value > 0 && p.value < 1;
      })()`,
      );
      await dialog.getByRole('button', { name: 'Cancel upload of red-loom.png' }).waitFor();
      await dialog.locator('.media-item[data-state="uploaded"]').nth(1).waitFor({ timeout: 30_000 });
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await expectCount(dialog.locator('.media-item progress:visible'), 0);

      // Thumbnails in the composer, in the order dropped; an empty alt text is flagged.
      for (const i of [0, 1])
        await untilInPage(
          page,
          `(() => {
          const img = document.querySelectorAll('.media-item img.thumb')[${i}];
          return !!img && img.complete && img.naturalWidth > 0;
        })()`,
        );
      expect(await items.locator('.media-name').allTextContents()).toEqual(['red-loom.png', 'blue-wool.png']);
      await expectCount(dialog.locator('.alt-warning:visible'), 2);
      await expectText(dialog.locator('.alt-warning').first(), 'No alt text: this channel requires one.');

      // Reorder: the blue one first.
      await dialog.getByRole('button', { name: 'Move item 2 earlier' }).click();
      expect(await items.locator('.media-name').allTextContents()).toEqual(['blue-wool.png', 'red-loom.png']);

      // Only one described: the server refuses, and the composer says which item.
      await dialog.getByLabel('Alt text of item 1').fill('Skeins of blue wool drying on a rack');
      await expectCount(dialog.locator('.alt-warning:visible'), 1);
      await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
      await expectText(dialog.locator('.composer-result[role="alert"]'), 'media[1].alt');
      await expectText(dialog.locator('.media-item').nth(1).locator('.alt-warning'), 'Refused by the server');
      expect(
        (await t.http.get(`/v1/channels/${channel.id}/posts`).set(auth(ws.lead.key)).expect(200)).body.items,
      ).toEqual([]);

      await dialog.getByLabel('Alt text of item 2').fill('A red wool scarf on the loom');
      await expectCount(dialog.locator('.alt-warning:visible'), 0);
      await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
      await expectText(dialog.locator('.composer-result'), 'Scheduled.');
      await page.screenshot({ path: join(SCREENSHOTS, 'composer-media.png') });
      await dialog.getByRole('button', { name: 'Close', exact: true }).click();

      const list = await t.http.get(`/v1/channels/${channel.id}/posts`).set(auth(ws.lead.key)).expect(200);
      expect(list.body.items).toHaveLength(1);
      const post = list.body.items[0];
      expect(post.status).toBe('scheduled');
      expect(post.media).toHaveLength(2);

      // The month view: the chip shows the first image's thumbnail.
      const chipThumb = page.locator(`[data-post-id="${post.id}"] img.chip-thumb`);
      await chipThumb.waitFor();
      expect(
        await chipThumb.evaluate(
          (img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth > 0,
        ),
      ).toBe(true);

      // The library panel: both files, with thumbnails, ready to be added to another post.
      await page.getByRole('button', { name: 'New post' }).click();
      await dialog.getByRole('button', { name: 'From the library…' }).click();
      const library = dialog.getByRole('region', { name: 'Media library' });
      await expectCount(library.locator('li'), 2);
      await expectCount(library.locator('img.thumb[src^="blob:"]'), 2);
      await library.getByRole('button', { name: /^Add / }).first().click();
      const added = dialog.locator('.media-item[data-state="uploaded"]');
      await expectCount(added, 1);
      expect(post.media.map((m: { id: string }) => m.id)).toContain(await added.getAttribute('data-media-id'));
      await dialog.getByRole('button', { name: 'Close', exact: true }).click();
      expect(pageErrors(page)).toEqual([]);
    } catch (e) {
      await keepEvidence(page, 'composer media');
      throw e;
    } finally {
      await context.close();
    }

    // The dispatcher runs at the post's time: Mastodon has the status with both images, in
    // the order of the composer, each with its description.
    t.clock.set(new Date(when.toMillis()));
    await t.dispatcher.drain();
    expect(mastodon.statuses).toHaveLength(1);
    const [status] = mastodon.statuses;
    expect(status.media.map((m) => m.description)).toEqual([
      'Skeins of blue wool drying on a rack',
      'A red wool scarf on the loom',
    ]);
    expect(status.media.map((m) => [m.type, m.width, m.height])).toEqual([
      ['image', 480, 320],
      ['image', 480, 320],
    ]);
  });
});

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
  } catch {
    const actual = await locator
      .first()
      .textContent()
      .catch(() => '(not found)');
    throw new Error(`expected text "${text}" in ${String(locator)}, found: ${actual}`);
  }
}

async function expectCount(locator: ReturnType<Page['locator']>, n: number): Promise<void> {
  const until = Date.now() + 10_000;
  let count = await locator.count();
  while (count !== n && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    count = await locator.count();
  }
  if (count !== n) throw new Error(`expected ${n} of ${String(locator)}, found ${count}`);
}
