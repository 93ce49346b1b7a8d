import { DateTime } from 'luxon';
import type { AlertKind } from './alert.entity';
import type { RenderedEmail } from './alert-messages';

/**
 * The weekly digest as data (what a webhook receives, and what the email is written from)
 * and its email. Dates are the workspace's local days.
 */
export interface DigestChannel {
  id: string;
  name: string;
  platform: string;
  timezone: string;
  discipline: {
    postsPublished: number;
    postsPerWeekTarget: number | null;
    cadenceMet: boolean | null;
    longestGapHours: number | null;
    onTimeShare: number | null;
    failures: number;
  };
  mix: { category: string; share: number; min: number | null; max: number | null; withinLimits: boolean }[];
  /** null when results are not part of the digest (see DigestContent.resultsNote). */
  results: {
    engagements: number | null;
    engagementsChange: number | null;
    clicks: number | null;
    clicksChange: number | null;
  } | null;
  /** The parts of the channel's reason (purpose, audience, goal, kpis) that are absent; null: unknown. */
  reasonMissing: string[] | null;
  openAlerts: { id: string; kind: AlertKind; message: string; openedAt: string }[];
}

export interface DigestContent {
  workspace: { id: string; name: string; timezone: string };
  /** The week reported on, Monday to Sunday (inclusive), and its instants [start, end). */
  period: { from: string; to: string; start: string; end: string };
  channels: DigestChannel[];
  /** Set when results (engagement, clicks) are left out, saying why. */
  resultsNote: string | null;
  links: { page: string; calendar: string; alerts: string; reports: string };
}

export const RESULTS_LEFT_OUT =
  'Results (engagement and clicks) are left out: this installation does not provide reports to the digest.';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const pct = (share: number) => `${Math.round(share * 100)}%`;
/** The difference from the week before, as a count (`+12`, `-3`; 0 says "as many"). */
const change = (c: number | null) =>
  c === null ? '' : c === 0 ? ' (as many as the week before)' : ` (${c > 0 ? '+' : ''}${c} on the week before)`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function days(d: DigestContent): string {
  const z = d.workspace.timezone;
  const from = DateTime.fromISO(d.period.from, { zone: z });
  const to = DateTime.fromISO(d.period.to, { zone: z });
  return `${from.toFormat('ccc d LLL')} – ${to.toFormat('ccc d LLL yyyy')}`;
}

/** The lines of one channel's section (plain text). */
export function channelLines(c: DigestChannel): string[] {
  const d = c.discipline;
  const cadence =
    d.postsPerWeekTarget === null
      ? `${plural(d.postsPublished, 'post')} (no weekly target)`
      : `${plural(d.postsPublished, 'post')} of the ${d.postsPerWeekTarget} a week it aims for: ${d.cadenceMet ? 'cadence kept' : 'cadence missed'}`;
  const extra = [
    d.longestGapHours === null ? null : `longest gap ${Math.round(d.longestGapHours * 10) / 10} hours`,
    d.onTimeShare === null ? null : `${pct(d.onTimeShare)} published on time`,
    `${plural(d.failures, 'failure')}`,
  ].filter((x): x is string => x !== null);
  const mix = c.mix.length
    ? c.mix
        .map((m) => {
          const limit =
            m.min !== null && m.max !== null
              ? `${pct(m.min)}–${pct(m.max)}`
              : m.min !== null
                ? `at least ${pct(m.min)}`
                : m.max !== null
                  ? `at most ${pct(m.max)}`
                  : null;
          return `${m.category} ${pct(m.share)}${limit ? ` (${limit}: ${m.withinLimits ? 'kept' : 'not kept'})` : ''}`;
        })
        .join(', ')
    : 'no posts';
  const lines = [`Discipline: ${cadence}; ${extra.join('; ')}.`, `Mix: ${mix}.`];
  if (c.results) {
    const r = c.results;
    const parts = [
      r.engagements === null
        ? 'engagements unknown'
        : `${plural(r.engagements, 'engagement')}${change(r.engagementsChange)}`,
      r.clicks === null ? 'clicks not tracked' : `${plural(r.clicks, 'click')}${change(r.clicksChange)}`,
    ];
    lines.push(`Results: ${parts.join(', ')}.`);
  }
  if (c.reasonMissing?.length) lines.push(`Its reason lacks: ${c.reasonMissing.join(', ')}.`);
  if (c.openAlerts.length) {
    lines.push(`Open alerts (${c.openAlerts.length}):`, ...c.openAlerts.map((a) => `  - ${a.message}`));
  } else {
    lines.push('Open alerts: none.');
  }
  return lines;
}

export function digestSubject(d: DigestContent): string {
  const monday = DateTime.fromISO(d.period.to, { zone: d.workspace.timezone }).plus({ days: 1 });
  return `Weekly digest: ${d.workspace.name}, week to ${monday.toFormat('ccc d LLL')}`;
}

export function renderDigestEmail(d: DigestContent): RenderedEmail {
  const intro = `Last week in ${d.workspace.name}, ${days(d)} (${d.workspace.timezone}): ${plural(d.channels.length, 'channel')}.`;
  const footer = 'You get this every Monday as a lead of the workspace.';
  const text = [
    intro,
    '',
    ...d.channels.flatMap((c) => [`${c.name} (${c.platform})`, ...channelLines(c), '']),
    ...(d.resultsNote ? [d.resultsNote, ''] : []),
    `Calendar: ${d.links.calendar}`,
    `Alerts: ${d.links.alerts}`,
    `Reports: ${d.links.reports}`,
    '',
    footer,
  ].join('\n');
  const html = [
    `<p>${escapeHtml(intro)}</p>`,
    ...d.channels.map((c) => {
      const [discipline, mix, ...rest] = channelLines(c);
      return [
        `<h3>${escapeHtml(c.name)} <small>(${escapeHtml(c.platform)})</small></h3>`,
        '<ul>',
        `<li>${escapeHtml(discipline)}</li>`,
        `<li>${escapeHtml(mix)}</li>`,
        ...rest.filter((l) => !l.startsWith('  - ')).map((l) => `<li>${escapeHtml(l)}</li>`),
        '</ul>',
        c.openAlerts.length ? `<ul>${c.openAlerts.map((a) => `<li>${escapeHtml(a.message)}</li>`).join('')}</ul>` : '',
      ].join('\n');
    }),
    ...(d.resultsNote ? [`<p>${escapeHtml(d.resultsNote)}</p>`] : []),
    `<p><a href="${escapeHtml(d.links.calendar)}">Calendar</a> · <a href="${escapeHtml(d.links.alerts)}">Alerts</a> · <a href="${escapeHtml(d.links.reports)}">Reports</a></p>`,
    `<p style="color:#777;font-size:small">${escapeHtml(footer)}</p>`,
  ].join('\n');
  return { subject: digestSubject(d), text, html };
}

/** The JSON a webhook receives; `text` alone makes a Slack or Mattermost message. */
export function renderDigestWebhook(d: DigestContent) {
  const lines = d.channels.map((c) => {
    const x = c.discipline;
    const target = x.postsPerWeekTarget === null ? '' : `/${x.postsPerWeekTarget}`;
    return `• ${c.name}: ${x.postsPublished}${target} posts, ${plural(c.openAlerts.length, 'open alert')}`;
  });
  return {
    text: [`:calendar: ${digestSubject(d)} <${d.links.reports}|reports>`, ...lines].join('\n'),
    event: 'digest.weekly',
    ...d,
  };
}
