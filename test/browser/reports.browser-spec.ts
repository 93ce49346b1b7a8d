import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { newLinkCode } from '../../src/links/link-code';
import { LinksRepository } from '../../src/links/links.repository';
import { LinksService } from '../../src/links/links.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { reportFigures } from '../../web/src/reports/figures';
import type { ChannelReport } from '../../web/src/api/types';
import { createAlertsApp, type AlertsTestApp } from '../support/alerts-app';
import { auth, createChannel, createPost, seedWorkspace } from '../support/fixtures';
import { credentialsOf, keepEvidence, launchChromium, newVisitor, pageErrors, SCREENSHOTS, signIn } from './browser';

/**
 * The Reports view in a real Chromium against the whole service on PostgreSQL: a channel
 * with a quarter (13 full weeks) of published posts, their metrics snapshots and clicks on
 * their tracked links, seeded through the app's own services (MetricsService, LinksService)
 * and the API; the report the page draws comes from the real API. The server's clock is the
 * real time, so that the page's "last 13 weeks" and the server's agree, in Rome (the
 * browser's zone and the channel's).
 */
const ZONE = 'Europe/Rome';
const now = DateTime.now().setZone(ZONE);
const monday = now.startOf('week');
const period = { from: monday.minus({ weeks: 13 }).toISODate()!, to: monday.minus({ days: 1 }).toISODate()! };
const last4 = { from: monday.minus({ weeks: 4 }).toISODate()!, to: period.to };

/**
 * Each week of the quarter: Tuesday 18:00 (the best time: the most engagement), Thursday
 * 10:00 and, in every week but the 4th and the 9th, Saturday 12:00 (so two weeks miss the
 * cadence of 3). Categories rotate; promotional posts carry the campaign "winter".
 */
const SLOTS = [
  { weekday: 2, hour: 18, base: 30 },
  { weekday: 4, hour: 10, base: 8 },
  { weekday: 6, hour: 12, base: 5 },
] as const;
const SHORT_WEEKS = new Set([3, 8]);
const CATEGORIES = ['informative', 'informative', 'promotional', 'engagement'] as const;

describe('the Reports view', () => {
  let t: AlertsTestApp;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      createAlertsApp({
        now: new Date().toISOString(),
        config: { signinAttemptsPerMinute: 1000 },
      }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A draft made by the API, then marked published at `at` (as the dispatcher leaves it). */
  async function published(
    lead: { key: string; workspaceId: string },
    channelId: string,
    at: DateTime,
    category: string,
    link: string,
  ): Promise<string> {
    const post = await createPost(t, lead as never, channelId, {
      body: `${category} post of ${at.toISODate()}`,
      category,
      link,
    });
    await t.db.query(
      `UPDATE posts SET status = 'published', scheduled_at = $2, published_at = $3, external_id = $1,
         external_url = 'https://social.example/@bottega/' || $1, version = version + 1 WHERE id = $1`,
      [post.id, at.toUTC().toJSDate(), at.plus({ seconds: 20 }).toUTC().toJSDate()],
    );
    return post.id;
  }

  it('draws the charts of a seeded quarter, with the figures the API answers', async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, {
      name: 'Bottega Mastodon',
      platform: 'mock',
      timezone: ZONE,
      purpose: 'Show how the wool is made',
      audience: 'Knitters in Italy',
      kpis: [{ metric: 'clicks', period: 'week', target: 5 }, 'Readers who trust our advice'],
      rules: { cadence: { postsPerWeek: 3 }, mix: { windowDays: 28, limits: { promotional: { max: 0.3 } } } },
      utm: { campaign: 'spring' },
    });
    const metrics = t.app.get(MetricsService);
    const links = t.app.get(LinksService);
    const linksRepo = t.app.get(LinksRepository);

    let seeded = 0;
    let n = 0;
    const start = DateTime.fromISO(period.from, { zone: ZONE });
    for (let week = 0; week < 13; week++) {
      for (const slot of SLOTS) {
        if (slot.weekday === 6 && SHORT_WEEKS.has(week)) continue;
        const at = start.plus({ weeks: week, days: slot.weekday - 1 }).set({ hour: slot.hour });
        const category = CATEGORIES[n++ % CATEGORIES.length]!;
        const target = `https://shop.example.com/${category}/${week}-${slot.weekday}${category === 'promotional' ? '?utm_campaign=winter' : ''}`;
        const id = await published(ws.lead, channel.id, at, category, target);
        seeded++;
        const likes = slot.base + (week % 3);
        await metrics.record(id, {
          at: at.plus({ hours: 1 }).toJSDate(),
          likes: Math.floor(likes / 2),
          reposts: 0,
          replies: 0,
          quotes: null,
          clicks: null,
        });
        await metrics.record(id, {
          at: at.plus({ days: 1 }).toJSDate(),
          likes,
          reposts: 2,
          replies: 1,
          quotes: null,
          clicks: null,
        });
        // The link as the dispatcher tracks it (its code, through the links' own repository).
        const code = newLinkCode();
        await linksRepo.insertMissing(
          { postId: id, channelId: channel.id, workspaceId: ws.workspaceId, campaign: 'spring' },
          [{ code, targetUrl: target }],
        );
        for (let c = 0; c < (slot.weekday === 2 ? 3 : 1); c++)
          await links.recordClick(code, at.plus({ hours: 2, minutes: c }).toJSDate());
      }
    }

    const api = (await t.http.get(`/v1/channels/${channel.id}/report`).query(period).set(auth(ws.lead.key)).expect(200))
      .body as ChannelReport;
    expect(api.period).toMatchObject(period);
    expect(api.discipline.postsPublished).toBe(seeded);
    expect(api.discipline.weeks).toHaveLength(13);
    expect(api.discipline.weeksMet).toBe(11);

    const { page, context } = await newVisitor(browser, t.url);
    try {
      const who = await credentialsOf(t, ws.lead.key);
      await signIn(page, who.email, who.password);
      await page.getByRole('tab', { name: 'Reports' }).click();
      await page.locator('.report-body[data-state="ready"]').waitFor();

      // The workspace's overview: a table of its channels.
      const row = page.locator(`.report-overview tr[data-channel-id="${channel.id}"]`);
      await row.waitFor();
      const overview = (
        await t.http.get(`/v1/workspaces/${ws.workspaceId}/report`).query(last4).set(auth(ws.lead.key)).expect(200)
      ).body as { channels: ChannelReport[] };
      const own = overview.channels.find((c) => c.channel.id === channel.id)!;
      expect(own.discipline.postsPublished).toBe(12); // the last 4 weeks of the quarter: 3 posts each
      expect(
        (await row.locator('td[data-figure="postsPublished"]').textContent())?.startsWith(
          String(own.discipline.postsPublished),
        ),
      ).toBe(true);
      await expectText(row, 'no goal');

      // The channel's report for the last 13 weeks.
      await page.getByLabel('Report for').selectOption(channel.id);
      await page.getByLabel('Period').selectOption('weeks13');
      const body = page.locator('.report-body[data-state="ready"]');
      await body.locator(`h3:has-text("Bottega Mastodon")`).waitFor();
      for (const id of ['cadence', 'mix', 'engagement', 'clicks', 'best-times'])
        await page.locator(`[data-chart="${id}"] .chart-canvas[data-state="drawn"]`).waitFor();

      // Every chart drew: a canvas with pixels, and as many points per series as the report has.
      for (const id of ['cadence', 'mix', 'engagement', 'clicks', 'best-times'])
        expect([id, (await inkedPixels(page, id)) > 500]).toEqual([id, true]);
      const lengths = async (id: string) =>
        JSON.parse((await page.locator(`[data-chart="${id}"] .chart-canvas`).getAttribute('data-series-lengths'))!);
      expect(await lengths('cadence')).toEqual([13, 13]);
      const mix = (await lengths('mix')) as number[];
      expect(mix.length).toBeGreaterThanOrEqual(3 + 1); // three categories stacked, the promotional max
      expect(mix.every((l) => l === 13)).toBe(true);
      expect(await lengths('engagement')).toEqual([api.engagement.byCategory.length]);
      expect(await lengths('clicks')).toEqual([api.clicks.byCampaign.length]);
      expect(await lengths('best-times')).toEqual([api.bestTimes!.cells.length]);

      // The heat map's best cell is Tuesday 18:00 in Rome, where the seeded history put it.
      expect(await page.locator('[data-chart="best-times"]').getAttribute('data-best-cell')).toBe('2-18');
      await expectText(page.locator('[data-chart="best-times"] figcaption'), 'the best time is Tue 18:00');

      // The figures shown are the API's, each with its change against the previous period.
      for (const f of reportFigures(api)) {
        const figure = page.locator(`.figures [data-figure="${f.key}"]`);
        expect([f.key, (await figure.locator('.value').textContent())?.trim()]).toEqual([f.key, f.value]);
        expect([f.key, (await figure.locator('.change').textContent())?.trim()]).toEqual([
          f.key,
          f.change === null ? 'no earlier figure' : `${f.change} (was ${f.previous})`,
        ]);
      }
      expect(await page.locator('[data-figure="postsPublished"] .value').textContent()).toBe(String(seeded));
      expect(await page.locator('[data-figure="weeksMet"] .value').textContent()).toBe('11 of 13');
      expect(await page.locator('[data-figure="clicks"] .value').textContent()).toBe(String(api.clicks.total));
      await expectText(page.getByTestId('reason-flag'), 'Bottega Mastodon has no goal');

      await page.locator('.reports-panel').screenshot({ path: join(SCREENSHOTS, 'reports.png') });

      // Each chart's numbers as a table, by keyboard.
      const toggle = page.locator('[data-chart="cadence"] figcaption button');
      await toggle.focus();
      await page.keyboard.press('Enter');
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      expect(await page.locator('[data-chart="cadence"] table tbody tr').count()).toBe(13);

      // KPIs: the measurable one against its target, the free-text one as text.
      await expectText(page.locator('.report-kpis'), 'Clicks per week');
      await expectText(page.locator('.report-kpis'), 'Readers who trust our advice');

      // The CSV: one row per published post of the period, as the API answers it.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download CSV' }).click(),
      ]);
      const csv = parse(await readFile((await download.path())!, 'utf8'), { columns: true }) as unknown[];
      expect(csv).toHaveLength(seeded);
      expect(download.suggestedFilename()).toBe(`report-bottega-mastodon-${period.from}-${period.to}.csv`);

      expect(pageErrors(page)).toEqual([]);
    } catch (e) {
      await keepEvidence(page, 'reports view');
      throw e;
    } finally {
      await context.close();
    }
  });

  it("shows a published post's numbers in its dialog, a dash where the platform has no count", async () => {
    const ws = await seedWorkspace(t);
    const channel = await createChannel(t, ws.lead, { name: 'Bottega Bluesky', platform: 'mock', timezone: ZONE });
    const at = DateTime.now().setZone(ZONE).minus({ hours: 3 }).startOf('minute');
    const id = await published(ws.lead, channel.id, at, 'informative', 'https://shop.example.com/yarn');
    const metrics = t.app.get(MetricsService);
    await metrics.record(id, {
      at: at.plus({ hours: 1 }).toJSDate(),
      likes: 1,
      reposts: 0,
      replies: 1,
      quotes: null,
      clicks: null,
    });
    await metrics.record(id, {
      at: at.plus({ hours: 2 }).toJSDate(),
      likes: 4,
      reposts: 1,
      replies: 2,
      quotes: null,
      clicks: null,
    });

    const { page, context } = await newVisitor(browser, t.url);
    try {
      const who = await credentialsOf(t, ws.lead.key);
      await signIn(page, who.email, who.password);
      const chip = page.locator(`[data-post-id="${id}"]`);
      await chip.waitFor();
      await chip.focus();
      await page.keyboard.press('Enter');
      const numbers = page.locator('.post-numbers[data-state="ready"]');
      await numbers.waitFor();
      const count = async (key: string) =>
        (await numbers.locator(`[data-count="${key}"] .value`).textContent())?.trim();
      expect([await count('likes'), await count('reposts'), await count('replies')]).toEqual(['4', '1', '2']);
      expect(await count('quotes')).toBe('—'); // the platform has no such count
      expect(await numbers.locator('svg.sparkline').getAttribute('aria-label')).toBe(
        'Engagements over 2 snapshots: 2, 7',
      );
      expect(pageErrors(page)).toEqual([]);
    } catch (e) {
      await keepEvidence(page, 'post numbers');
      throw e;
    } finally {
      await context.close();
    }
  });
});

/** How many pixels of a chart's canvas are drawn (not transparent, not the white background). */
async function inkedPixels(page: Page, chart: string): Promise<number> {
  type Canvas = {
    width: number;
    height: number;
    getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
  };
  return page
    .locator(`[data-chart="${chart}"] .chart-canvas canvas`)
    .first()
    .evaluate((el) => {
      const canvas = el as unknown as Canvas;
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
        if (a > 0 && !(r > 250 && g > 250 && b > 250)) inked++;
      }
      return inked;
    });
}

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
