import { DateTime } from 'luxon';
import { isMeasurableKpi, type MeasurableKpi } from '../channels/channel-kpis';
import { previousPeriod, zonedPeriod, type ZonedPeriod } from './report-period';
import type {
  ChannelReport,
  DisciplineFigures,
  EngagementTotals,
  KpiPeriodFigure,
  KpiReport,
  ReportInput,
  ReportLinkClicks,
  ReportPostInput,
  ReportPostRow,
  ReportSnapshot,
  ReportWeek,
} from './report.types';

/** A post published within this long after its scheduled time counts as on time. */
export const ON_TIME_MS = 5 * 60_000;

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const share = (part: number, whole: number) => (whole === 0 ? 0 : round(part / whole, 4));

/** Nearest-rank percentile of a non-empty list: the smallest value with at least p of the list at or below it. */
export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(p * s.length) - 1)];
}

export const engagementsOf = (m: ReportSnapshot | undefined): number | null =>
  m ? (m.likes ?? 0) + (m.reposts ?? 0) + (m.replies ?? 0) + (m.quotes ?? 0) : null;

interface Bucket {
  start: DateTime;
  end: DateTime;
  /** Cut by the period's edges. */
  partial: boolean;
}

/** Calendar weeks (Monday to Sunday) or months of `zone` overlapping the period. */
function buckets(p: ZonedPeriod, zone: string, unit: 'week' | 'month'): Bucket[] {
  const from = DateTime.fromJSDate(p.start, { zone });
  const to = DateTime.fromJSDate(p.end, { zone });
  const out: Bucket[] = [];
  for (let s = from.startOf(unit); s < to; s = s.plus(unit === 'week' ? { weeks: 1 } : { months: 1 })) {
    const e = s.plus(unit === 'week' ? { weeks: 1 } : { months: 1 });
    out.push({ start: s, end: e, partial: s < from || e > to });
  }
  return out;
}

const within = (at: Date, start: DateTime | Date, end: DateTime | Date) => {
  const t = at.getTime();
  return t >= +start && t < +end;
};

/** The period's posts: published ones by published_at, failed ones by scheduled_at. */
function postsOf(posts: ReportPostInput[], p: ZonedPeriod) {
  const published = posts
    .filter((x) => x.status === 'published' && x.publishedAt && within(x.publishedAt, p.start, p.end))
    .sort((a, b) => a.publishedAt!.getTime() - b.publishedAt!.getTime() || a.id.localeCompare(b.id));
  const failed = posts.filter((x) => x.status === 'failed' && x.scheduledAt && within(x.scheduledAt, p.start, p.end));
  return { published, failed };
}

function campaignOf(url: string, fallback: string | null): string | null {
  try {
    return new URL(url).searchParams.get('utm_campaign') || fallback;
  } catch {
    return fallback;
  }
}

function discipline(
  published: ReportPostInput[],
  failed: ReportPostInput[],
  weeks: ReportWeek[],
  target: number | null,
  overrides: number,
): DisciplineFigures {
  let longest: number | null = null;
  for (let i = 1; i < published.length; i++) {
    const gap = published[i].publishedAt!.getTime() - published[i - 1].publishedAt!.getTime();
    longest = longest === null ? gap : Math.max(longest, gap);
  }
  const lateness = published
    .filter((x) => x.scheduledAt)
    .map((x) => Math.max(0, x.publishedAt!.getTime() - x.scheduledAt!.getTime()));
  const due = lateness.length + failed.length;
  const onTime = lateness.filter((ms) => ms <= ON_TIME_MS).length;
  const judged = weeks.filter((w) => w.met !== null);
  return {
    postsPublished: published.length,
    postsPerWeekTarget: target,
    weeksMet: judged.filter((w) => w.met).length,
    weeksJudged: judged.length,
    longestGapHours: longest === null ? null : round(longest / 3_600_000, 2),
    onTimeShare: due === 0 ? null : share(onTime, due),
    latenessP50Seconds: lateness.length === 0 ? null : round(percentile(lateness, 0.5) / 1000, 3),
    latenessP95Seconds: lateness.length === 0 ? null : round(percentile(lateness, 0.95) / 1000, 3),
    failures: failed.length,
    overrides,
  };
}

function weeksOf(published: ReportPostInput[], p: ZonedPeriod, zone: string, target: number | null, now: Date) {
  return buckets(p, zone, 'week').map((b): ReportWeek => {
    const count = published.filter((x) => within(x.publishedAt!, b.start, b.end)).length;
    const judged = target !== null && !b.partial && +b.end <= now.getTime();
    return {
      weekStart: b.start.toISODate()!,
      published: count,
      target,
      met: judged ? count >= target : null,
      partial: b.partial,
    };
  });
}

function totals(published: ReportPostInput[], metrics: Map<string, ReportSnapshot>): EngagementTotals {
  const t = { posts: published.length, measured: 0, likes: 0, reposts: 0, replies: 0, quotes: 0, engagements: 0 };
  for (const p of published) {
    const m = metrics.get(p.id);
    if (!m) continue;
    t.measured++;
    t.likes += m.likes ?? 0;
    t.reposts += m.reposts ?? 0;
    t.replies += m.replies ?? 0;
    t.quotes += m.quotes ?? 0;
    t.engagements += engagementsOf(m)!;
  }
  return { ...t, perPost: t.measured === 0 ? null : round(t.engagements / t.measured, 2) };
}

function categoryCounts(published: ReportPostInput[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const p of published) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
  return counts;
}

function clicksByPost(clicks: ReportLinkClicks[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of clicks) out.set(c.postId, (out.get(c.postId) ?? 0) + c.clicks);
  return out;
}

function kpiActual(
  kpi: MeasurableKpi,
  posts: ReportPostInput[],
  metrics: Map<string, ReportSnapshot>,
  postClicks: Map<string, number>,
  anyClicks: boolean,
): number | null {
  switch (kpi.metric) {
    case 'posts':
      return posts.length;
    case 'clicks':
      return anyClicks ? posts.reduce((s, p) => s + (postClicks.get(p.id) ?? 0), 0) : null;
    case 'engagements': {
      const t = totals(posts, metrics);
      return posts.length > 0 && t.measured === 0 ? null : t.engagements;
    }
    case 'engagementPerPost':
      return totals(posts, metrics).perPost;
    case 'informativeShare':
      return posts.length === 0 ? null : share(posts.filter((p) => p.category === 'informative').length, posts.length);
  }
}

function kpiReport(
  kpi: MeasurableKpi,
  published: ReportPostInput[],
  p: ZonedPeriod,
  input: ReportInput,
  postClicks: Map<string, number>,
): KpiReport {
  const zone = input.channel.timezone;
  const periods = buckets(p, zone, kpi.period).map((b): KpiPeriodFigure => {
    const posts = published.filter((x) => within(x.publishedAt!, b.start, b.end));
    const actual = kpiActual(kpi, posts, input.metrics, postClicks, input.clicks.length > 0);
    const judged = !b.partial && +b.end <= input.now.getTime() && actual !== null;
    return {
      start: b.start.toISODate()!,
      actual,
      met: judged ? actual >= kpi.target : null,
      partial: b.partial,
    };
  });
  const judged = periods.filter((x) => x.met !== null);
  let inARow = 0;
  for (let i = judged.length - 1; i >= 0 && judged[i].met === false; i--) inARow++;
  return {
    metric: kpi.metric,
    period: kpi.period,
    target: kpi.target,
    alertAfter: kpi.alertAfter ?? null,
    periods,
    met: judged.filter((x) => x.met).length,
    missed: judged.filter((x) => !x.met).length,
    missedInARow: inARow,
    missedSince: inARow === 0 ? null : judged[judged.length - inARow].start,
  };
}

const present = (v: unknown) =>
  !(v === null || v === undefined || (Array.isArray(v) ? v.length === 0 : String(v).trim() === ''));

/** The channel's health report over `input.period` (days in the channel's zone), from plain data. */
export function buildChannelReport(input: ReportInput): ChannelReport {
  const { channel } = input;
  const zone = channel.timezone;
  const period = zonedPeriod(
    DateTime.fromISO(input.period.from, { zone }),
    DateTime.fromISO(input.period.to, { zone }),
  );
  const prev = previousPeriod(period, zone);
  const cur = postsOf(input.posts, period);
  const old = postsOf(input.posts, prev);
  const target = channel.rules.cadence?.postsPerWeek ?? null;

  const weeks = weeksOf(cur.published, period, zone, target, input.now);
  const prevWeeks = weeksOf(old.published, prev, zone, target, input.now);

  // Mix: every category with a limit or a post, by key.
  const limits = channel.rules.mix?.limits ?? {};
  const counts = categoryCounts(cur.published);
  const prevCounts = categoryCounts(old.published);
  const categories = [...new Set([...Object.keys(limits), ...counts.keys()])].sort();

  // Per post: latest metrics, clicks in the period, campaign (its links' utm_campaign, else the channel's).
  const postClicks = clicksByPost(input.clicks);
  const linkCampaign = new Map<string, string | null>();
  for (const c of input.clicks) {
    if (!linkCampaign.has(c.postId)) linkCampaign.set(c.postId, campaignOf(c.targetUrl, channel.campaign));
  }
  const campaign = (postId: string) => linkCampaign.get(postId) ?? channel.campaign;
  const rows: ReportPostRow[] = cur.published.map((p) => {
    const m = input.metrics.get(p.id);
    return {
      postId: p.id,
      scheduledAt: p.scheduledAt?.toISOString() ?? null,
      publishedAt: p.publishedAt!.toISOString(),
      category: p.category,
      campaign: campaign(p.id),
      url: p.url,
      likes: m ? m.likes : null,
      reposts: m ? m.reposts : null,
      replies: m ? m.replies : null,
      quotes: m ? m.quotes : null,
      engagements: engagementsOf(m),
      clicks: postClicks.get(p.id) ?? null,
      metricsAt: m?.at.toISOString() ?? null,
    };
  });

  const byCategory = [...new Set(rows.map((r) => r.category))].sort().map((category) => {
    const t = totals(
      cur.published.filter((p) => p.category === category),
      input.metrics,
    );
    return { category, posts: t.posts, engagements: t.engagements, perPost: t.perPost };
  });
  const campaigns = [...new Set(rows.map((r) => r.campaign))].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
  const byCampaign = campaigns.map((c) => {
    const of = rows.filter((r) => r.campaign === c);
    const clicked = of.filter((r) => r.clicks !== null);
    return {
      campaign: c,
      posts: of.length,
      engagements: of.reduce((s, r) => s + (r.engagements ?? 0), 0),
      clicks: clicked.length === 0 ? null : clicked.reduce((s, r) => s + r.clicks!, 0),
    };
  });

  const sum = (cs: ReportLinkClicks[]) => (cs.length === 0 ? null : cs.reduce((s, c) => s + c.clicks, 0));
  const clickCampaigns = new Map<string | null, number>();
  for (const c of input.clicks)
    clickCampaigns.set(campaign(c.postId), (clickCampaigns.get(campaign(c.postId)) ?? 0) + c.clicks);

  const reason = {
    purpose: present(channel.purpose),
    audience: present(channel.audience),
    goal: present(channel.goal),
    kpis: present(channel.kpis),
  };
  const missing = (['purpose', 'audience', 'goal', 'kpis'] as const).filter((k) => !reason[k]);

  return {
    channel: { id: channel.id, name: channel.name, platform: channel.platform, timezone: zone },
    period: { from: period.from, to: period.to, start: period.start.toISOString(), end: period.end.toISOString() },
    previousPeriod: { from: prev.from, to: prev.to, start: prev.start.toISOString(), end: prev.end.toISOString() },
    reason: { ...reason, missing, complete: missing.length === 0 },
    discipline: {
      ...discipline(cur.published, cur.failed, weeks, target, input.overrides),
      weeks,
      previous: discipline(old.published, old.failed, prevWeeks, target, input.previousOverrides),
    },
    mix: {
      limits: Object.entries(limits)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([category, l]) => ({ category, min: l.min ?? null, max: l.max ?? null })),
      weeks: buckets(period, zone, 'week').map((b) => {
        const inWeek = cur.published.filter((x) => within(x.publishedAt!, b.start, b.end));
        const c = categoryCounts(inWeek);
        return {
          weekStart: b.start.toISODate()!,
          posts: inWeek.length,
          shares: Object.fromEntries([...c.keys()].sort().map((k) => [k, share(c.get(k)!, inWeek.length)])),
        };
      }),
      overall: categories.map((category) => {
        const posts = counts.get(category) ?? 0;
        const s = share(posts, cur.published.length);
        const min = limits[category]?.min ?? null;
        const max = limits[category]?.max ?? null;
        return {
          category,
          posts,
          share: s,
          min,
          max,
          withinLimits: (min === null || s >= min) && (max === null || s <= max),
        };
      }),
      previous: [...prevCounts.keys()].sort().map((category) => ({
        category,
        posts: prevCounts.get(category)!,
        share: share(prevCounts.get(category)!, old.published.length),
      })),
    },
    engagement: {
      totals: totals(cur.published, input.metrics),
      previous: totals(old.published, input.metrics),
      posts: rows,
      byCategory,
      byCampaign,
    },
    clicks: {
      total: sum(input.clicks),
      previous: sum(input.previousClicks),
      byPost: [...postClicks.entries()].map(([postId, clicks]) => ({ postId, clicks })),
      byLink: input.clicks.map((c) => ({ postId: c.postId, url: c.targetUrl, clicks: c.clicks })),
      byCampaign: [...clickCampaigns.entries()]
        .sort(([a], [b]) => (a ?? '').localeCompare(b ?? ''))
        .map(([c, clicks]) => ({ campaign: c, clicks })),
    },
    ...(input.bestTimes ? { bestTimes: { cells: input.bestTimes } } : {}),
    kpis: channel.kpis.map((k) =>
      isMeasurableKpi(k) ? kpiReport(k, cur.published, period, input, postClicks) : { text: k },
    ),
  };
}
