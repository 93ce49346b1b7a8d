import { notAClick, PREVIEW_AGENT_PATTERNS } from './preview-agents';

const BROWSERS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 YaBrowser/24.1.0.0 Safari/537.36',
];

const FETCHERS = [
  // Mastodon's link-card fetcher: Mastodon::Version.user_agent, "http.rb/<v> (Mastodon/<v>; +http(s)://<domain>/)".
  'http.rb/5.2.0 (Mastodon/4.3.2; +https://mastodon.social/)',
  'http.rb/4.4.1 (Mastodon/3.5.3; +http://localhost:3000/)',
  'Mastodon/4.2.8 (http.rb/5.1.1; +https://social.example/)',
  'Pleroma 2.6.2; https://pleroma.example <admin@pleroma.example>',
  'Akkoma 3.13.2; https://akkoma.example <admin@akkoma.example>',
  'Misskey/2024.11.0 (https://misskey.io)',
  'gotosocial/0.17.3 (+https://gts.example)',
  'Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)',
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Twitterbot/1.0',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  'TelegramBot (like TwitterBot)',
  'WhatsApp/2.23.20.0 A',
  'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
  'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Applebot/0.1; +http://www.apple.com/go/applebot)',
  'curl/8.5.0',
  'Wget/1.21.4',
  'python-requests/2.32.3',
  'Go-http-client/1.1',
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  'axios/1.7.9',
  'SomeNewCrawler/0.1',
];

describe('notAClick: what the redirect does not count', () => {
  it.each(BROWSERS)('counts a browser GET: %s', (agent) => {
    expect(notAClick('GET', { 'user-agent': agent })).toBeNull();
  });

  it.each(FETCHERS)('does not count a preview fetcher or bot: %s', (agent) => {
    expect(notAClick('GET', { 'user-agent': agent })).toMatch(/^preview or bot/);
  });

  it('does not count HEAD, an empty or missing User-Agent, or a prefetch', () => {
    const browser = BROWSERS[0];
    expect(notAClick('HEAD', { 'user-agent': browser })).toBe('not a GET');
    expect(notAClick('GET', { 'user-agent': '' })).toBe('no user agent');
    expect(notAClick('GET', { 'user-agent': '   ' })).toBe('no user agent');
    expect(notAClick('GET', {})).toBe('no user agent');
    expect(notAClick('GET', { 'user-agent': browser, 'sec-purpose': 'prefetch' })).toBe('prefetch');
    expect(notAClick('GET', { 'user-agent': browser, 'sec-purpose': 'prefetch;prerender' })).toBe('prefetch');
    expect(notAClick('GET', { 'user-agent': browser, purpose: 'prefetch' })).toBe('prefetch');
    expect(notAClick('GET', { 'user-agent': browser, 'x-purpose': 'preview' })).toBe('prefetch');
    expect(notAClick('GET', { 'user-agent': browser, 'x-moz': 'prefetch' })).toBe('prefetch');
    expect(notAClick('GET', { 'user-agent': browser, purpose: ['x', 'prefetch'] })).toBe('prefetch');
  });

  it('keeps its patterns lower-case (they are matched against the lower-cased User-Agent)', () => {
    for (const p of PREVIEW_AGENT_PATTERNS) expect(p).toBe(p.toLowerCase());
  });
});
