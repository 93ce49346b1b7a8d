/**
 * Requests to a tracked link that are not a person's click: link-preview fetchers, crawlers
 * and prefetches. The redirect answers them like anyone (302 to the target, so previews
 * still show the page) but does not count them. One list, documented in docs/api.md.
 */

/**
 * User-Agent substrings (case-insensitive) of known preview fetchers and bots.
 * - `Mastodon/`: every Mastodon instance that receives a post fetches its links for the
 *   card, as `http.rb/<v> (Mastodon/<v>; +https://<instance>/)` (Mastodon::Version.user_agent);
 *   the other fediverse servers the same way (Pleroma, Akkoma, Misskey, GoToSocial, Friendica...).
 * - Bluesky's card service (`cardyb`), and the usual chat, social and search previewers.
 * - Command-line and library clients (`curl/`, `Wget/`, `python-requests`, `Go-http-client`,
 *   `node-fetch`, `axios/`): no reader clicks with them; counting them would let anyone
 *   inflate a post's clicks with a loop.
 * - Anything that says it is a bot, crawler, spider or preview (`bot`, `crawler`, `spider`,
 *   `preview`, `+http`: a contact URL in the User-Agent is what automated clients give).
 */
export const PREVIEW_AGENT_PATTERNS: readonly string[] = [
  'mastodon/',
  'pleroma',
  'akkoma',
  'misskey',
  'gotosocial',
  'friendica',
  'cardyb',
  'bluesky',
  'slackbot',
  'slack-imgproxy',
  'twitterbot',
  'facebookexternalhit',
  'facebookcatalog',
  'meta-externalagent',
  'discordbot',
  'telegrambot',
  'whatsapp',
  'linkedinbot',
  'skypeuripreview',
  'microsoftpreview',
  'googlebot',
  'google-inspectiontool',
  'googleother',
  'adsbot-google',
  'mediapartners-google',
  'bingbot',
  'bingpreview',
  'duckduckbot',
  'yandex',
  'baiduspider',
  'applebot',
  'pinterest',
  'redditbot',
  'embedly',
  'iframely',
  'curl/',
  'wget/',
  'python-requests',
  'python-urllib',
  'aiohttp',
  'httpx',
  'go-http-client',
  'node-fetch',
  'undici',
  'axios/',
  'okhttp',
  'java/',
  'libwww-perl',
  'http.rb/',
  'bot',
  'crawler',
  'spider',
  'preview',
  '+http',
];

/** The request headers the decision reads (lower-case names, as Node gives them). */
export interface PreviewHeaders {
  'user-agent'?: string;
  purpose?: string | string[];
  'sec-purpose'?: string | string[];
  'x-purpose'?: string | string[];
  'x-moz'?: string | string[];
}

const first = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(',') : (v ?? ''));

/**
 * Why a request is not a click, or null when it counts: an empty User-Agent, a known
 * preview fetcher or bot, or a browser's prefetch/prerender (`Sec-Purpose: prefetch`,
 * `Purpose: prefetch`, `X-Purpose: preview`, `X-Moz: prefetch`).
 */
export function notAClick(method: string, headers: PreviewHeaders): string | null {
  if (method !== 'GET') return 'not a GET';
  const purpose =
    `${first(headers['sec-purpose'])},${first(headers.purpose)},${first(headers['x-purpose'])},${first(headers['x-moz'])}`.toLowerCase();
  if (/prefetch|prerender|preview/.test(purpose)) return 'prefetch';
  const agent = (headers['user-agent'] ?? '').trim().toLowerCase();
  if (agent === '') return 'no user agent';
  const known = PREVIEW_AGENT_PATTERNS.find((p) => agent.includes(p));
  return known ? `preview or bot (${known})` : null;
}
