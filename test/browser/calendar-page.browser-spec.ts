import { join } from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, seedWorkspace, type Session } from '../support/fixtures';
import {
  calendarReady,
  credentialsOf,
  drag,
  giveSessionCookie,
  keepEvidence,
  launchChromium,
  newVisitor,
  pageErrors,
  SCREENSHOTS,
  signIn,
} from './browser';

/**
 * What a social media manager does in the calendar page, in a real Chromium against the
 * whole service on PostgreSQL. The server's clock is the real time, so that the page's
 * "today" and the server's "now" agree; every date below is relative to it, in Rome (the
 * browser's zone and the channels').
 */
const ZONE = 'Europe/Rome';
const today = DateTime.now().setZone(ZONE).startOf('day');
const day = (n: number) => today.plus({ days: n });
const iso = (dt: DateTime) => dt.toUTC().toISO()!;
const at = (n: number, hour: number) => day(n).set({ hour });

describe('the calendar page', () => {
  let t: AlertsTestApp;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      // Every member signs in by the form from 127.0.0.1, more than the default 10 a minute.
      createAlertsApp({ now: new Date().toISOString(), config: { signinAttemptsPerMinute: 1000 } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function scheduled(s: Session, channelId: string, when: DateTime, body: string, category = 'informative') {
    const post = await t.http
      .post(`/v1/channels/${channelId}/posts`)
      .set(auth(s.key))
      .send({ body, category })
      .expect(201);
    const res = await t.http
      .post(`/v1/posts/${post.body.id}/schedule`)
      .set(auth(s.key))
      .send({ scheduledAt: iso(when), override: { reason: 'seed' } })
      .expect(200);
    return res.body as { id: string; scheduledAt: string; version: number };
  }

  /**
   * A member at work in a fresh browser context (signed in through the form, unless
   * `signedIn` is false): the page must throw no error; on a failure its screenshot is kept.
   */
  async function asMember(
    key: string,
    work: (page: Page) => Promise<void>,
    width = 1280,
    signedIn = true,
  ): Promise<void> {
    const { page, context } = await newVisitor(browser, t.url, width);
    try {
      const who = await credentialsOf(t, key);
      if (signedIn) await signIn(page, who.email, who.password);
      else await giveSessionCookie(t, context, who);
      await work(page);
      expect(pageErrors(page)).toEqual([]);
    } catch (e) {
      await keepEvidence(page, String(expect.getState().currentTestName));
      throw e;
    } finally {
      await context.close();
    }
  }

  const getPost = async (s: Session, id: string) =>
    (await t.http.get(`/v1/posts/${id}`).set(auth(s.key)).expect(200)).body;
  const chip = (page: Page, id: string) => page.locator(`[data-post-id="${id}"]`);
  const monthCell = (page: Page, d: DateTime) => page.locator(`[role="gridcell"][data-date="${d.toISODate()}"]`);

  const strictRules = {
    enforcement: 'block',
    cadence: { maxPostsPerDay: 1, quietHours: { start: '22:00', end: '07:00' } },
  };

  it('signs in, composes and schedules a post, and shows it in the month and week views', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      name: 'Bottega Mastodon',
      platform: 'mastodon',
      approvalRequired: false,
      rules: strictRules,
      guidelines: 'Warm and concrete; one idea per post.',
      utm: { campaign: 'winter' },
    });
    await asMember(ws.lead.key, async (page) => {
      await expectText(page.getByTestId('who'), 'Lea Lead · Lead');

      await page.getByRole('button', { name: 'New post' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Channel').selectOption(channel.id);
      await expectText(dialog.locator('.guidelines'), 'Warm and concrete; one idea per post.');
      await dialog.getByLabel('Text').fill('Behind the loom: how we dye the winter wool, step by step.');
      await expectText(dialog.locator('.counter'), '58 / 500 characters');
      await dialog.getByLabel('Link (optional)').fill('https://shop.example.com/wool');
      await expectText(
        dialog.locator('.utm-preview'),
        'Published as https://shop.example.com/wool?utm_source=mastodon&utm_medium=social&utm_campaign=winter',
      );
      // Each link counts 23 on Mastodon, whatever its length.
      await expectText(dialog.locator('.counter'), '83 / 500 characters');
      await dialog.getByLabel('When (your time)').fill(at(2, 10).toFormat("yyyy-LL-dd'T'HH:mm"));
      await expectText(
        dialog.locator('.hint').filter({ hasText: 'on the channel' }),
        `${at(2, 10).toFormat('ccc d LLL, HH:mm')} Europe/Rome`,
      );
      await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
      await expectText(dialog.locator('.composer-result'), 'Scheduled.');
      await dialog.getByRole('button', { name: 'Close', exact: true }).click();

      const list = await t.http.get(`/v1/channels/${channel.id}/posts`).set(auth(ws.lead.key)).expect(200);
      expect(list.body.items).toHaveLength(1);
      const post = list.body.items[0];
      expect(post).toMatchObject({ status: 'scheduled', link: 'https://shop.example.com/wool' });
      expect(Date.parse(post.scheduledAt)).toBe(at(2, 10).toMillis());

      // Month view: the chip sits on its day, coloured by category, named for a screen reader.
      await monthCell(page, day(2)).locator(`[data-post-id="${post.id}"]`).waitFor();
      await expectText(chip(page, post.id), 'Bottega Mastodon: Behind the loom');
      expect(await chip(page, post.id).getAttribute('aria-label')).toContain(
        'Bottega Mastodon, Scheduled, informative',
      );

      // Keyboard: the chip takes focus and Enter opens it in the composer.
      await chip(page, post.id).focus();
      await expectText(page.getByRole('tooltip'), 'Bottega Mastodon · Scheduled · informative');
      await page.keyboard.press('Enter');
      await expectText(dialog.locator('#composer-title'), 'Scheduled post');
      await page.keyboard.press('Escape');

      // Week view (moving on a week when the day is in the next one).
      await page.getByRole('tab', { name: 'Week view' }).click();
      await calendarReady(page);
      if (!(await chip(page, post.id).isVisible())) {
        await page.locator('.calendar').getByRole('button', { name: /^Next/ }).click();
        await calendarReady(page);
      }
      await chip(page, post.id).waitFor();

      // Signing out ends the session: a reload asks to sign in again.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByLabel('Email').waitFor();
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
      await page.reload();
      await page.getByLabel('Email').waitFor();
    });
  });

  it('snaps a refused drag back with the rule’s message, and lets a lead move it anyway with a reason', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      name: 'Bottega Bluesky',
      approvalRequired: false,
      rules: strictRules,
    });
    const moving = await scheduled(ws.lead, channel.id, at(2, 10), 'Moving post: our new dye garden');
    await scheduled(ws.lead, channel.id, at(3, 10), 'Staying post: meet the weavers');
    const expected = await t.http
      .post(`/v1/channels/${channel.id}/posts/validate`)
      .set(auth(ws.lead.key))
      .send({ scheduledAt: iso(at(3, 10)), category: 'informative', postId: moving.id })
      .expect(200);
    const message: string = expected.body.violations[0].message;
    expect(expected.body.wouldBlock).toBe(true);

    await asMember(ws.lead.key, async (page) => {
      await drag(page, chip(page, moving.id), monthCell(page, day(3)));
      const refusal = page.locator('.refusal');
      await expectText(refusal, 'The move breaks a rule and was not saved.');
      await expectText(refusal, message);
      await monthCell(page, day(2)).locator(`[data-post-id="${moving.id}"]`).waitFor();
      expect((await getPost(ws.lead, moving.id)).scheduledAt).toBe(moving.scheduledAt);

      await refusal.getByLabel('Override reason (kept in the audit trail)').fill('Launch day: both posts on purpose');
      await refusal.getByRole('button', { name: 'Move anyway' }).click();
      await monthCell(page, day(3)).locator(`[data-post-id="${moving.id}"]`).waitFor();
      expect(Date.parse((await getPost(ws.lead, moving.id)).scheduledAt)).toBe(at(3, 10).toMillis());
      const audit = await t.http.get(`/v1/workspaces/${ws.workspaceId}/audit`).set(auth(ws.lead.key)).expect(200);
      expect(JSON.stringify(audit.body)).toContain('Launch day: both posts on purpose');

      // An editor meets the same refusal, without the override.
      const busy = await scheduled(ws.lead, channel.id, at(5, 10), 'Busy day: the fair');
      await asMember(ws.editor.key, async (editor) => {
        await drag(editor, chip(editor, moving.id), monthCell(editor, day(5)));
        const refused = editor.locator('.refusal');
        await expectText(refused, 'The move breaks a rule and was not saved.');
        expect(await refused.getByRole('button', { name: 'Move anyway' }).count()).toBe(0);
        await monthCell(editor, day(3)).locator(`[data-post-id="${moving.id}"]`).waitFor();
        expect(Date.parse((await getPost(ws.lead, moving.id)).scheduledAt)).toBe(at(3, 10).toMillis());
        expect((await getPost(ws.lead, busy.id)).scheduledAt).toBe(busy.scheduledAt);
      });
    });
  });

  it('shows a violation in the composer before saving, and adds a post to the queue at the next free slot', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      name: 'Bottega Newsletter',
      approvalRequired: false,
      rules: strictRules,
      postingSlots: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, time: '09:30' })),
      purpose: 'Bring makers to the workshop',
      audience: 'Makers and small shops',
    });
    await scheduled(ws.lead, channel.id, at(2, 10), 'Already planned: the spring catalogue');
    await asMember(ws.editor.key, async (page) => {
      await page.getByRole('button', { name: 'New post' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Channel').selectOption(channel.id);
      await dialog.getByLabel('Text').fill('Open studio on Saturday: come and try the looms.');
      await dialog.getByLabel('When (your time)').fill(at(2, 23).toFormat("yyyy-LL-dd'T'HH:mm"));
      await dialog.getByRole('button', { name: 'Validate' }).click();
      const result = dialog.locator('.composer-result');
      await expectText(result, 'Scheduling here would be refused:');
      expect(await result.locator('li.violation').count()).toBe(2); // a second post that day, in quiet hours
      await page.screenshot({ path: join(SCREENSHOTS, 'composer-violation.png') });

      const slot = await t.http
        .get(`/v1/channels/${channel.id}/next-slot?category=informative`)
        .set(auth(ws.editor.key))
        .expect(200);
      await dialog.getByLabel('When (your time)').fill('');
      await dialog.getByRole('button', { name: 'Add to queue' }).click();
      await expectText(result, 'Added to the queue.');
      const list = await t.http
        .get(`/v1/channels/${channel.id}/posts?status=scheduled`)
        .set(auth(ws.editor.key))
        .expect(200);
      const queued = list.body.items.find((p: { body: string }) => p.body.startsWith('Open studio'));
      expect(queued.scheduledAt).toBe(slot.body.scheduledAt);
      await expectText(result, DateTime.fromISO(slot.body.scheduledAt).setZone(ZONE).toFormat('ccc d LLL, HH:mm'));
    });
  });

  it('shades a planned gap, raises its alert, and fills it from the alert in the composer', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      name: 'Bottega Instagram',
      approvalRequired: false,
      rules: { enforcement: 'block', cadence: { maxGapHours: 48, quietHours: { start: '22:00', end: '07:00' } } },
    });
    await createChannel(t, ws.lead, { name: 'Bottega Blog', approvalRequired: false });
    await scheduled(ws.lead, channel.id, at(1, 10), 'Tuesday: the first post', 'promotional');
    await scheduled(ws.lead, channel.id, at(6, 10), 'Sunday: the next one', 'engagement');
    await scheduled(ws.lead, channel.id, at(8, 10), 'Tuesday again', 'informative');

    await asMember(ws.lead.key, async (page) => {
      await page.locator('.calendar [data-gap-kind="planned_gap"]').first().waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'month-view.png'), fullPage: true });

      // The channel filter: only the blog (nothing planned there, no rules, no gap).
      const instagramChips = page.locator('.calendar [data-post-id]');
      expect(await instagramChips.count()).toBeGreaterThan(0);
      await page.getByLabel('Show channel').selectOption({ label: 'Bottega Blog' });
      await calendarReady(page);
      await instagramChips.first().waitFor({ state: 'detached' });
      expect(await page.locator('.calendar [data-gap-kind]').count()).toBe(0);
      expect(await page.locator('.mix-name').allTextContents()).toEqual(['Bottega Blog · 0 posts']);
      await page.getByLabel('Show channel').selectOption({ label: 'All channels' });
      await calendarReady(page);
      await instagramChips.first().waitFor();

      await t.detector.scan();
      const open = await t.http
        .get(`/v1/workspaces/${ws.workspaceId}/alerts?status=open`)
        .set(auth(ws.lead.key))
        .expect(200);
      const gapAlert = open.body.items.find(
        (a: { kind: string; channelId: string }) => a.kind === 'planned_gap' && a.channelId === channel.id,
      );
      expect(gapAlert).toBeDefined();
      const suggested = await t.http
        .get(`/v1/workspaces/${ws.workspaceId}/alerts/${gapAlert.id}/suggested-slots`)
        .set(auth(ws.lead.key))
        .expect(200);

      await page.getByRole('tab', { name: /Alerts/ }).click();
      const item = page.locator(`[data-alert-id="${gapAlert.id}"]`);
      await expectText(item, gapAlert.message);
      // Just opened: nobody has been told yet (ALERT_SETTLE_MS, 30 minutes), and the page says when.
      expect(gapAlert.delivery).toBe('settling');
      await expectText(
        item.locator('.alert-settling'),
        `Not sent yet: the leads hear of it at ${DateTime.fromISO(gapAlert.settlesAt).setZone(ZONE).toFormat('ccc d LLL, HH:mm')}`,
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'alerts-panel.png') });

      await item.getByRole('button', { name: 'Fill this gap' }).click();
      const dialog = page.getByRole('dialog');
      await expectText(dialog.locator('.note'), `Filling: ${gapAlert.message}`);
      expect(await dialog.getByLabel('When (your time)').inputValue()).toBe(
        DateTime.fromISO(suggested.body.slots[0]).setZone(ZONE).toFormat("yyyy-LL-dd'T'HH:mm"),
      );
      expect(await dialog.getByLabel('Channel').inputValue()).toBe(channel.id);
      await dialog.getByLabel('Text').fill('Midweek: a look at the new colours.');
      await dialog.getByRole('button', { name: 'Schedule', exact: true }).click();
      await expectText(dialog.locator('.composer-result'), 'Scheduled.');
      await dialog.getByRole('button', { name: 'Close', exact: true }).click();

      await t.detector.scan();
      const resolved = await t.http
        .get(`/v1/workspaces/${ws.workspaceId}/alerts?status=resolved`)
        .set(auth(ws.lead.key))
        .expect(200);
      expect(resolved.body.items.map((a: { id: string }) => a.id)).toContain(gapAlert.id);
      await page.getByRole('button', { name: 'Refresh' }).click();
      await item.waitFor({ state: 'detached' });
    });
  });

  it('creates a feed whose URL is copied once and serves iCal, and revokes it', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, { name: 'Bottega Mastodon', approvalRequired: false });
    await scheduled(ws.lead, channel.id, at(2, 10), 'In the feed');
    await asMember(ws.editor.key, async (page) => {
      await page.getByRole('tab', { name: 'Feeds' }).click();
      await page.getByLabel('Feed name').fill('Sales team');
      await page.getByRole('button', { name: 'Create feed' }).click();
      const urlInput = page.getByLabel('Subscription URL');
      await urlInput.waitFor();
      const url = await urlInput.inputValue();
      expect(url).toMatch(/\/ical\/[^/]+\.ics$/);
      await page.getByRole('button', { name: 'Copy URL' }).click();
      expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(url);

      const feed = await fetch(url.replace(/^https?:\/\/[^/]+/, t.url));
      expect(feed.status).toBe(200);
      expect(feed.headers.get('content-type')).toContain('text/calendar');
      expect(await feed.text()).toContain('SUMMARY:[Bottega Mastodon] In the feed');

      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Revoke feed Sales team' }).click();
      await expectText(page.locator('.feed-list'), 'No feeds yet.');
      expect((await fetch(url.replace(/^https?:\/\/[^/]+/, t.url))).status).toBe(404);
    });
  });

  it('lets a lead change a channel’s rules and posting slots, and shows them read-only to others', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      name: 'Bottega Mastodon',
      approvalRequired: true,
      rules: { cadence: { postsPerWeek: 2 } },
      kpis: ['Replies within the hour', { metric: 'clicks', period: 'week', target: 20, alertAfter: 2 }],
    });
    await asMember(ws.lead.key, async (page) => {
      await page.getByRole('tab', { name: 'Channels' }).click();
      const form = page.locator('.channel-form');
      expect(await form.getByLabel('Posts per week (at least)').inputValue()).toBe('2');
      // KPIs: the free text in its field, the measurable one as a row; a second one added.
      expect(await form.getByLabel('KPIs (comma separated)').inputValue()).toBe('Replies within the hour');
      expect(await form.getByLabel('What it counts', { exact: true }).first().inputValue()).toBe('clicks');
      expect(await form.getByLabel('Target', { exact: true }).first().inputValue()).toBe('20');
      await form.getByRole('button', { name: 'Add a measurable KPI' }).click();
      await form.getByLabel('What it counts', { exact: true }).last().selectOption('informativeShare');
      await form.getByLabel('Per', { exact: true }).last().selectOption('month');
      await form.getByLabel('Target', { exact: true }).last().fill('0.5');
      await form.getByLabel('Purpose').fill('Show the workshop behind the products');
      await form.getByLabel('Enforcement').selectOption('block');
      await form.getByLabel('Posts per week (at least)').fill('3');
      await form.getByLabel('Largest gap (hours)').fill('72');
      await form.getByLabel('Quiet hours from').fill('22:00');
      await form.getByLabel('Quiet hours until').fill('07:00');
      await form.getByLabel('Rolling window (days; empty: no mix rule)').fill('14');
      await form.getByLabel('Promotional: at most %').fill('20');
      await form.getByLabel('Informative: at least %').fill('50');
      await form.getByRole('button', { name: 'Add a slot' }).click();
      await form.getByLabel('Weekday').last().selectOption('2');
      await form.getByLabel('Time').last().fill('09:30');
      await form.getByRole('button', { name: 'Save settings' }).click();
      await expectText(page.locator('.toasts'), 'Settings of Bottega Mastodon saved.');

      const saved = (await t.http.get(`/v1/channels/${channel.id}`).set(auth(ws.lead.key)).expect(200)).body;
      expect(saved.purpose).toBe('Show the workshop behind the products');
      expect(saved.kpis).toEqual([
        'Replies within the hour',
        { metric: 'clicks', period: 'week', target: 20, alertAfter: 2 },
        { metric: 'informativeShare', period: 'month', target: 0.5 },
      ]);
      expect(saved.rules).toEqual({
        enforcement: 'block',
        cadence: { postsPerWeek: 3, maxGapHours: 72, quietHours: { start: '22:00', end: '07:00' } },
        mix: { windowDays: 14, limits: { promotional: { max: 0.2 }, informative: { min: 0.5 } } },
      });
      expect(saved.postingSlots).toEqual([{ weekday: 2, time: '09:30' }]);

      // A negative cadence is stopped in the form (the browser names the field), and nothing changes.
      const perWeek = form.getByLabel('Posts per week (at least)');
      await perWeek.fill('-1');
      await form.getByRole('button', { name: 'Save settings' }).click();
      expect(
        await perWeek.evaluate((el) => (el as unknown as { validationMessage: string }).validationMessage),
      ).not.toBe('');
      expect((await t.http.get(`/v1/channels/${channel.id}`).set(auth(ws.lead.key)).expect(200)).body.version).toBe(
        saved.version,
      );
    });

    await asMember(ws.viewer.key, async (page) => {
      await page.getByRole('tab', { name: 'Channels' }).click();
      expect(await page.locator('.channel-form').getByLabel('Posts per week (at least)').isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
    });
  });

  it('loads a month of 500 posts on three channels (load time measured and printed, reported in docs/benchmarks.md)', async () => {
    const ws = await seedWorkspace(t);
    const channels = await Promise.all(
      ['Mastodon', 'Bluesky', 'Newsletter'].map((name) => createChannel(t, ws.lead, { name: `Bottega ${name}` })),
    );
    const first = today.startOf('month');
    const days = today.daysInMonth!;
    for (let i = 0; i < 500; i++) {
      const when = first.plus({ days: i % days, hours: 8 + (i % 12), minutes: (i * 7) % 60 });
      await t.http
        .post(`/v1/channels/${channels[i % 3].id}/posts`)
        .set(auth(ws.editor.key))
        .send({
          body: `Post ${i}: a look behind the loom, with a link https://example.com/${i}`,
          category: ['informative', 'engagement', 'promotional'][i % 3],
          scheduledAt: iso(when),
        })
        .expect(201);
    }
    const samples: number[] = [];
    for (let run = 0; run < 5; run++) {
      await asMember(
        ws.viewer.key,
        async (page) => {
          await page.goto('/');
          await calendarReady(page);
          samples.push(
            await page.evaluate<number>("performance.getEntriesByName('palinsesto:calendar-ready')[0].startTime"),
          );
          // Every post arrived: the mix panel counts them per channel.
          const counts = await page.locator('.mix-name .muted').allTextContents();
          expect(counts.map((c) => Number(/(\d+) post/.exec(c)![1])).reduce((a, b) => a + b, 0)).toBe(500);
        },
        1280,
        false,
      );
    }
    samples.sort((a, b) => a - b);
    const line = `page load, month with 500 posts on 3 channels, 5 cold loads: median ${samples[2]!.toFixed(0)} ms, fastest ${samples[0]!.toFixed(0)} ms, slowest ${samples[4]!.toFixed(0)} ms (navigation start to posts painted)`;
    process.stdout.write(`\n${line}\n`);
  });

  it('fits a 360 px screen: the list view, no sideways scrolling', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, { name: 'Bottega Mastodon', approvalRequired: false });
    await scheduled(ws.lead, channel.id, at(1, 10), 'Small screens too');
    await asMember(
      ws.viewer.key,
      async (page) => {
        await expectText(page.getByTestId('who'), 'Vera · Viewer');
        expect(await page.getByRole('button', { name: 'New post' }).count()).toBe(0);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(360);
        await page.screenshot({ path: join(SCREENSHOTS, 'phone-list-view.png') });
      },
      360,
    );
  });
});

/** Waits until the element's text contains `text` (the page updates asynchronously). */
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
