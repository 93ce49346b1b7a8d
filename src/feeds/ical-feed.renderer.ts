/**
 * Renders a feed (posts and, optionally, gaps) as an RFC 5545 iCalendar document with
 * ical-generator 11.1.
 *
 * Decisions (keep in sync with the report to the feed service):
 * - Times are written in UTC (`DTSTART:20270328T070000Z`). A post is an instant; the Z
 *   form is exact, needs no VTIMEZONE block, and every client (Google, Outlook, Apple,
 *   Thunderbird) shows it in the subscriber's own zone. The channel zone is not needed.
 * - A post lasts 15 minutes (`DTEND` = start + 15 min).
 * - STATUS: draft/in_review/approved -> TENTATIVE; scheduled/publishing/published ->
 *   CONFIRMED; cancelled -> CANCELLED; failed -> TENTATIVE, with "FAILED:" at the start of
 *   the summary text. A failed post did not go out (so not CONFIRMED) but it is usually
 *   retried or moved (so not CANCELLED, which several clients hide or cannot undo).
 * - No METHOD property: a subscription is not an iTIP message (METHOD:PUBLISH would also
 *   forbid the CANCELLED events).
 * - The document ends with CRLF after END:VCALENDAR (ical-generator leaves it out).
 * - Each event is built and serialised by ical-generator (ICalEvent#toString) and folded
 *   on its own, so the calendar's ICalEvent objects are never all in memory. Folding uses
 *   {@link foldLines} below, which gives the same bytes as ical-generator's (the spec
 *   checks it) several times faster, and counts a lone surrogate as the 3 octets of the
 *   U+FFFD it becomes in UTF-8.
 * - The renderer is synchronous: the feed service runs it in the render worker thread
 *   (feed-render.worker.ts), so a large feed never holds up the main event loop.
 */
import {
  ICalCalendar,
  ICalEvent,
  ICalEventBusyStatus,
  ICalEventStatus,
  ICalEventTransparency,
  escape as escapeText,
} from 'ical-generator';
import type { FeedCalendar, FeedEventPost, FeedGap, FeedPostStatus } from './ical-feed.types';

export const POST_DURATION_MS = 15 * 60 * 1000;
export const FEED_TTL_SECONDS = 15 * 60;
export const FEED_PRODID = { company: 'Palinsesto', product: 'Palinsesto', language: 'EN' };
export const SUMMARY_TEXT_MAX = 60;
/** Octets per physical line before the CRLF, as ical-generator: 74, then " " + 74 (RFC 5545: 75 max). */
export const FOLD_OCTETS = 74;

const CRLF = '\r\n';
const END_CALENDAR = 'END:VCALENDAR';
const FOOTER = END_CALENDAR + CRLF;
const ELLIPSIS = '\u2026';

export const STATUS_BY_POST_STATUS: Readonly<Record<FeedPostStatus, ICalEventStatus>> = {
  draft: ICalEventStatus.TENTATIVE,
  in_review: ICalEventStatus.TENTATIVE,
  approved: ICalEventStatus.TENTATIVE,
  scheduled: ICalEventStatus.CONFIRMED,
  publishing: ICalEventStatus.CONFIRMED,
  published: ICalEventStatus.CONFIRMED,
  failed: ICalEventStatus.TENTATIVE,
  cancelled: ICalEventStatus.CANCELLED,
};

const STATUS_LABEL: Readonly<Record<FeedPostStatus, string>> = {
  draft: 'draft',
  in_review: 'in review',
  approved: 'approved',
  scheduled: 'scheduled',
  publishing: 'publishing',
  published: 'published',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** What every event of one document shares. */
interface RenderContext {
  calendar: ICalCalendar;
  header: string;
  host: string;
  stamp: Date;
}

/** Renders the whole document. */
export function renderFeed(cal: FeedCalendar): string {
  const ctx = createContext(cal);
  const parts: string[] = [ctx.header];
  for (const post of cal.posts) parts.push(renderPostEvent(post, ctx));
  if (cal.gaps) for (const gap of cal.gaps) parts.push(renderGapEvent(gap, ctx));
  parts.push(FOOTER);
  return parts.join('');
}

function createContext(cal: FeedCalendar): RenderContext {
  const host = cal.host;
  if (!/^[A-Za-z0-9.-]+(?::\d+)?$/.test(host)) {
    throw new TypeError(`FeedCalendar.host must be a host name, got ${JSON.stringify(host)}`);
  }
  const stamp = checkDate(cal.generatedAt, 'generatedAt');
  const name = cleanText(cal.name).trim();
  const description = cal.description ? cleanText(cal.description).trim() : '';
  // ical-generator 11.1 writes NAME, X-WR-CALNAME and X-WR-CALDESC without escaping them:
  // escape here (the spec checks it round-trips, so a fixed upstream would be noticed).
  const calendar = new ICalCalendar({
    prodId: FEED_PRODID,
    name: name ? escapeText(name, false) : null,
    description: description ? escapeText(description, false) : null,
    ttl: FEED_TTL_SECONDS,
    scale: 'GREGORIAN',
  });
  const empty = calendar.toString();
  if (!empty.endsWith(END_CALENDAR)) throw new Error('Unexpected ical-generator output (no END:VCALENDAR)');
  return { calendar, header: empty.slice(0, -END_CALENDAR.length), host, stamp };
}

/** One post as a folded VEVENT ending in CRLF. */
function renderPostEvent(post: FeedEventPost, ctx: RenderContext): string {
  const start = checkDate(post.scheduledAt, 'scheduledAt', post.id);
  const category = cleanText(post.categoryName || post.category).trim();
  const url = post.status === 'published' ? webUrl(post.externalUrl) : null;
  const event = new ICalEvent(
    {
      id: 'post-' + uidPart(post.id) + '@' + ctx.host,
      sequence: post.sequence,
      stamp: ctx.stamp,
      start,
      end: new Date(start.getTime() + POST_DURATION_MS),
      summary: postSummary(post),
      description: postDescription(post, category, url),
      categories: category ? [{ name: category }] : undefined,
      status: STATUS_BY_POST_STATUS[post.status] ?? ICalEventStatus.TENTATIVE,
      created: checkDate(post.createdAt, 'createdAt', post.id),
      lastModified: checkDate(post.updatedAt, 'updatedAt', post.id),
      url,
    },
    ctx.calendar,
  );
  return foldLines(event.toString());
}

/** One gap as a folded, transparent VEVENT ending in CRLF; '' when it has no duration. */
function renderGapEvent(gap: FeedGap, ctx: RenderContext): string {
  const from = checkDate(gap.from, 'gap.from', gap.channelId);
  const to = checkDate(gap.to, 'gap.to', gap.channelId);
  if (to.getTime() <= from.getTime()) return '';
  const channel = cleanText(gap.channelName).trim();
  const kind = cleanText(gap.kind).trim().replace(/_/g, ' ');
  const event = new ICalEvent(
    {
      id: 'gap-' + uidPart(gap.channelId) + '-' + Math.floor(from.getTime() / 1000) + '@' + ctx.host,
      stamp: ctx.stamp,
      start: from,
      end: to,
      summary: 'No post planned on ' + channel,
      description:
        `No post is planned on ${channel} in this period, although its cadence asks for one` +
        (kind ? ` (${kind}).` : '.'),
      transparency: ICalEventTransparency.TRANSPARENT,
      busystatus: ICalEventBusyStatus.FREE,
    },
    ctx.calendar,
  );
  return foldLines(event.toString());
}

/** `[<channel>] <first words of the title or body>`, one line, at most ~60 characters of text. */
export function postSummary(post: Pick<FeedEventPost, 'channelName' | 'title' | 'body' | 'status'>): string {
  const source = post.title && post.title.trim() ? post.title : post.body;
  let text = shorten(oneLineStart(cleanText(source), SUMMARY_TEXT_MAX + 1), SUMMARY_TEXT_MAX);
  if (!text) text = '(no text)';
  if (post.status === 'failed') text = 'FAILED: ' + text;
  return '[' + oneLine(cleanText(post.channelName)) + '] ' + text;
}

function postDescription(post: FeedEventPost, category: string, url: string | null): string {
  let d = '';
  const title = post.title ? cleanText(lineBreaks(post.title)).trim() : '';
  if (title) d += title + '\n\n';
  const body = cleanText(lineBreaks(post.body));
  if (body) d += body + '\n\n';
  d += 'Channel: ' + cleanText(post.channelName).trim() + '\n';
  d += 'Category: ' + category + '\n';
  d += 'Status: ' + (STATUS_LABEL[post.status] ?? cleanText(String(post.status))) + '\n';
  const link = post.link ? cleanText(post.link).trim() : '';
  if (link) d += 'Link: ' + link + '\n';
  if (url) d += 'Published at: ' + url + '\n';
  const violations = post.violations;
  if (violations && violations.length > 0) {
    d += 'Rule violations:\n';
    for (const v of violations) d += '- ' + oneLine(cleanText(v)) + '\n';
  }
  return d.slice(0, -1);
}

// RFC 5545 TEXT may not hold control characters other than HTAB (line breaks are escaped
// as \n by ical-generator). Lone surrogates are left alone: folding counts them as the
// U+FFFD that any UTF-8 encoder (Buffer, TextEncoder) writes for them.
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;
const CONTROL_G = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g;

/** Drops control characters but tab, CR and LF. */
export function cleanText(s: string | null | undefined): string {
  if (!s) return '';
  return CONTROL.test(s) ? s.replace(CONTROL_G, '') : s;
}

/** CRLF and CR as LF, so a break next to the ones added here stays one break. */
function lineBreaks(s: string): string {
  return s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
}

const WHITESPACE_RUN = /\s+/g;
/** Whitespace that collapsing would change: any but a space, or two spaces in a row. */
const UNUSUAL_WHITESPACE = /[^\S ]| {2}/;

function oneLine(s: string): string {
  return (UNUSUAL_WHITESPACE.test(s) ? s.replace(WHITESPACE_RUN, ' ') : s).trim();
}

/**
 * The start of `oneLine(s)`: at least its first `atLeast` characters, or all of it. Avoids
 * collapsing the whitespace of a whole long body to keep 60 characters of it.
 */
function oneLineStart(s: string, atLeast: number): string {
  const window = 4 * atLeast;
  if (s.length > window) {
    const head = s.slice(0, window).replace(WHITESPACE_RUN, ' ').trimStart();
    if (head.length > atLeast) return head;
  }
  return oneLine(s);
}

/** Cuts `s` to at most `max` UTF-16 units plus an ellipsis, at a word boundary when one is near. */
function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.lastIndexOf(' ', max);
  if (cut < max / 2) {
    cut = max;
    const c = s.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--; // never split a surrogate pair
  }
  return s.slice(0, cut).trimEnd() + ELLIPSIS;
}

/**
 * ical-generator writes UID raw and escapes `,;\` inside URL values (which are URIs, not
 * TEXT), so both are kept to characters that need no escaping.
 */
function uidPart(id: string): string {
  return /^[A-Za-z0-9._~-]+$/.test(id) ? id : encodeURIComponent(id);
}

function webUrl(url: string | null | undefined): string | null {
  if (!url || !/^https?:\/\/[^\s\x00-\x1F\x7F]+$/i.test(url)) return null;
  return /[,;\\]/.test(url) ? url.replace(/[,;\\]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()) : url;
}

const NON_ASCII = /[^\x00-\x7F]/;
const FOLD = '\r\n ';

/**
 * RFC 5545 line folding: no physical line longer than 75 octets, never inside a UTF-8
 * character. Same output as ical-generator's `foldLines` for well-formed text.
 */
export function foldLines(text: string): string {
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    let eol = text.indexOf(CRLF, pos);
    if (eol < 0) eol = text.length;
    out += foldLine(text.slice(pos, eol));
    if (eol < text.length) out += CRLF;
    pos = eol + 2;
  }
  return out;
}

function foldLine(line: string): string {
  const n = line.length;
  if (!NON_ASCII.test(line)) {
    if (n <= FOLD_OCTETS) return line;
    let out = line.slice(0, FOLD_OCTETS);
    for (let i = FOLD_OCTETS; i < n; i += FOLD_OCTETS) out += FOLD + line.slice(i, i + FOLD_OCTETS);
    return out;
  }
  let out = '';
  let segment = 0;
  let octets = 0;
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    let size = 3;
    let units = 1;
    if (c < 0x80) size = 1;
    else if (c < 0x800) size = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = line.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        size = 4;
        units = 2;
      }
    }
    octets += size;
    if (octets > FOLD_OCTETS) {
      out += line.slice(segment, i) + FOLD;
      segment = i;
      octets = size;
    }
    i += units - 1;
  }
  return out + line.slice(segment);
}

function checkDate(d: Date, field: string, owner?: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new TypeError(`Invalid ${field}${owner ? ` for ${owner}` : ''}: ${String(d)}`);
  }
  return d;
}
