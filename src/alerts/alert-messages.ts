import { DateTime } from 'luxon';
import type { AlertDetails, AlertKind, DeliveryEvent } from './alert.entity';

/**
 * Every sentence the alerts module writes: the alert's `message`, the email (subject,
 * plain text, HTML) and the webhook payload (with a Slack-compatible `text`). Instants are
 * shown in the channel's zone with their offset, so an interval across a DST change reads
 * right.
 */

export interface AlertView {
  id: string;
  kind: AlertKind;
  channelId: string;
  startsAt: Date;
  endsAt: Date;
  openedAt: Date;
  resolvedAt: Date | null;
  message: string;
  details: AlertDetails;
  /** true when the gap runs to the end of the lookahead (no post after it). */
  open?: boolean;
}

export interface ChannelView {
  id: string;
  name: string;
  timezone: string;
}

/** "Tue 5 Jan 10:00" in the zone. */
export function short(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('ccc d LLL HH:mm');
}

/** "Tue 5 Jan 2027 10:00 (+01:00)" in the zone. */
export function long(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat("ccc d LLL yyyy HH:mm '('ZZ')'");
}

function day(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('ccc d LLL');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The one-sentence `message` of a gap alert, stable while the gap does not change. */
export function gapMessage(
  kind: Exclude<AlertKind, 'publish_failed' | 'connection_broken' | 'kpi_missed'>,
  gap: { from: Date; to: Date; open: boolean; sinceCreation: boolean },
  details: AlertDetails,
  zone: string,
): string {
  const limit = details.maxGapHours;
  if (kind === 'under_cadence') {
    const target = details.postsPerWeek ?? 0;
    const planned = details.planned;
    const lead =
      planned === undefined
        ? `Fewer than ${target} posts`
        : planned === 0
          ? 'No post'
          : `Only ${plural(planned, 'post')}`;
    const missing = planned === undefined ? undefined : target - planned;
    return (
      `${lead} planned in the week of ${day(gap.from, zone)}; the channel aims for ${target} a week` +
      (missing ? `: add ${missing === 1 ? 'one more' : `${missing} more`}.` : '.')
    );
  }
  const since = gap.sinceCreation
    ? `since the channel was created (${short(gap.from, zone)})`
    : `since ${short(gap.from, zone)}`;
  if (kind === 'inactivity') {
    return gap.open
      ? `Nothing published or planned ${since}: more than the ${limit} hours the channel allows between posts. Publish or schedule a post now.`
      : `No post between ${short(gap.from, zone)} and ${short(gap.to, zone)}: more than the ${limit} hours the channel allows. Publish a post now rather than wait.`;
  }
  const deadline = new Date(gap.from.getTime() + (limit ?? 0) * 3_600_000);
  return gap.open
    ? `Nothing is planned ${since}: the channel allows at most ${limit} hours between posts. Schedule a post before ${short(deadline, zone)}.`
    : `No post planned between ${short(gap.from, zone)} and ${short(gap.to, zone)}: longer than the ${limit} hours the channel allows. Schedule a post before ${short(deadline, zone)}.`;
}

export function publishFailedMessage(scheduledAt: Date, reason: string, lastError: string, zone: string): string {
  return `The post scheduled for ${short(scheduledAt, zone)} failed to publish (${reason}): ${lastError.slice(0, 300)}. Fix it and schedule it again.`;
}

/** "Acme Mastodon: no post planned Tue 5 Jan 10:00 – Fri 8 Jan 10:00" */
export function headline(alert: AlertView, channel: ChannelView): string {
  const z = channel.timezone;
  switch (alert.kind) {
    case 'planned_gap':
      return alert.open
        ? `${channel.name}: nothing planned after ${short(alert.startsAt, z)}`
        : `${channel.name}: no post planned ${short(alert.startsAt, z)} – ${short(alert.endsAt, z)}`;
    case 'inactivity':
      return `${channel.name}: nothing published since ${short(alert.startsAt, z)}`;
    case 'under_cadence':
      return alert.details.planned !== undefined
        ? `${channel.name}: ${alert.details.planned} of ${alert.details.postsPerWeek} posts planned for the week of ${day(alert.startsAt, z)}`
        : `${channel.name}: too few posts planned for the week of ${day(alert.startsAt, z)}`;
    case 'publish_failed':
      return `${channel.name}: the post of ${short(alert.startsAt, z)} failed to publish`;
    case 'connection_broken':
      return `${channel.name}: the connection to the account is broken; reconnect it`;
    case 'kpi_missed':
      return `${channel.name}: a KPI missed since ${day(alert.startsAt, z)}`;
  }
}

function cadenceBroken(alert: AlertView): string | null {
  if (alert.kind === 'under_cadence' && alert.details.postsPerWeek !== undefined) {
    return `${plural(alert.details.postsPerWeek, 'post')} a week`;
  }
  if ((alert.kind === 'planned_gap' || alert.kind === 'inactivity') && alert.details.maxGapHours !== undefined) {
    return `at most ${plural(alert.details.maxGapHours, 'hour')} between two posts`;
  }
  return null;
}

export interface RenderInput {
  event: DeliveryEvent;
  alert: AlertView;
  channel: ChannelView;
  nextSlots: Date[];
  calendarUrl: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export function renderEmail({ event, alert, channel, nextSlots, calendarUrl }: RenderInput): RenderedEmail {
  const z = channel.timezone;
  const title = headline(alert, channel);
  if (event === 'resolved') {
    const line = `Resolved on ${long(alert.resolvedAt ?? alert.openedAt, z)}: nothing to do any more.`;
    return {
      subject: `Resolved: ${title}`,
      text: `${title}\n\n${line}\n\nCalendar: ${calendarUrl}\n`,
      html: `<p><strong>${escapeHtml(title)}</strong></p><p>${escapeHtml(line)}</p><p><a href="${escapeHtml(calendarUrl)}">Open the calendar</a></p>`,
    };
  }
  const interval =
    alert.kind === 'publish_failed'
      ? `Scheduled for ${long(alert.startsAt, z)}, failed on ${long(alert.endsAt, z)} (${z})`
      : alert.kind === 'connection_broken'
        ? `Found broken on ${long(alert.startsAt, z)} (${z})`
        : alert.kind === 'kpi_missed'
          ? `Missed from ${long(alert.startsAt, z)} to ${long(alert.endsAt, z)} (${z})`
          : `From ${long(alert.startsAt, z)} to ${long(alert.endsAt, z)}${alert.open ? ' (end of the lookahead)' : ''} (${z})`;
  const cadence = cadenceBroken(alert);
  const slots = nextSlots.map((s) => long(s, z));
  const text = [
    alert.message,
    '',
    `When: ${interval}`,
    ...(cadence ? [`Cadence: ${cadence}`] : []),
    ...(slots.length ? ['', 'Free slots that would fill it:', ...slots.map((s) => `  - ${s}`)] : []),
    '',
    `Calendar: ${calendarUrl}`,
    '',
    `You get this as an alert recipient of the workspace. Alert ${alert.id}.`,
  ].join('\n');
  const html = [
    `<p><strong>${escapeHtml(alert.message)}</strong></p>`,
    '<ul>',
    `<li>When: ${escapeHtml(interval)}</li>`,
    ...(cadence ? [`<li>Cadence: ${escapeHtml(cadence)}</li>`] : []),
    '</ul>',
    ...(slots.length
      ? ['<p>Free slots that would fill it:</p><ul>', ...slots.map((s) => `<li>${escapeHtml(s)}</li>`), '</ul>']
      : []),
    `<p><a href="${escapeHtml(calendarUrl)}">Open the calendar</a></p>`,
    `<p style="color:#777;font-size:small">You get this as an alert recipient of the workspace. Alert ${escapeHtml(alert.id)}.</p>`,
  ].join('\n');
  return { subject: title, text, html };
}

/** The JSON a webhook receives; `text` alone makes a Slack or Mattermost message. */
export function renderWebhook({ event, alert, channel, nextSlots, calendarUrl }: RenderInput) {
  const title = headline(alert, channel);
  const text =
    event === 'resolved'
      ? `:white_check_mark: Resolved: ${title} <${calendarUrl}|calendar>`
      : `:warning: ${alert.message} (${channel.name}) <${calendarUrl}|calendar>` +
        (nextSlots.length ? `\nFree slots: ${nextSlots.map((s) => short(s, channel.timezone)).join(', ')}` : '');
  return {
    text,
    event: event === 'opened' ? 'alert.opened' : 'alert.resolved',
    alert: {
      id: alert.id,
      kind: alert.kind,
      channelId: alert.channelId,
      from: alert.startsAt.toISOString(),
      to: alert.endsAt.toISOString(),
      openedAt: alert.openedAt.toISOString(),
      resolvedAt: alert.resolvedAt?.toISOString() ?? null,
      message: alert.message,
    },
    channel: { id: channel.id, name: channel.name, timezone: channel.timezone },
    nextSlots: nextSlots.map((s) => s.toISOString()),
    calendarUrl,
  };
}

/** The `message` of a connection_broken alert. */
export function connectionBrokenMessage(problem: string, checkedAt: Date, zone: string): string {
  return `The channel's connection was found broken on ${short(checkedAt, zone)}: ${problem}`;
}

const KPI_NAMES: Record<string, string> = {
  posts: 'posts published',
  clicks: 'clicks',
  engagements: 'engagements',
  engagementPerPost: 'engagement per post',
  informativeShare: 'share of informative posts',
};

/** The `message` of a kpi_missed alert: which KPI, how many periods in a row, the last actual. */
export function kpiMissedMessage(
  kpi: { metric: string; period: string; target: number },
  missedInARow: number,
  lastActual: number | null,
): string {
  const unit = kpi.period === 'week' ? 'week' : 'month';
  const last = lastActual === null ? '' : `; the last ${unit} reached ${lastActual}`;
  return `KPI missed ${plural(missedInARow, unit)} in a row: ${KPI_NAMES[kpi.metric] ?? kpi.metric} per ${unit}, target ${kpi.target}${last}.`;
}
