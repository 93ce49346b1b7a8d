import { replaceLinks } from './links';

export interface UtmOptions {
  /** utm_source: the platform, e.g. `mastodon`. */
  source: string;
  /** utm_campaign. */
  campaign: string;
  /** utm_medium; default `social`. */
  medium?: string;
  /** utm_content, optional (e.g. the post id to tell posts apart). */
  content?: string;
  /**
   * Only tag links to these hosts (and their subdomains), e.g. the company's own site;
   * default: every http(s) link.
   */
  hosts?: readonly string[];
}

function hostMatches(host: string, hosts: readonly string[]): boolean {
  const h = host.toLowerCase();
  return hosts.some((allowed) => {
    const a = allowed.toLowerCase().replace(/^\.+/, '');
    return h === a || h.endsWith(`.${a}`);
  });
}

/**
 * Adds utm_source, utm_medium and utm_campaign (and utm_content when given) to one http(s)
 * link. The link is otherwise kept byte for byte: other query parameters and the fragment
 * stay as they are. A link that already carries any utm_ parameter was tagged on purpose
 * and is returned unchanged, as is anything that is not an http(s) URL.
 */
export function tagLink(link: string, options: UtmOptions): string {
  const hashAt = link.indexOf('#');
  const beforeFragment = hashAt === -1 ? link : link.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : link.slice(hashAt);
  let url: URL;
  try {
    url = new URL(beforeFragment);
  } catch {
    return link;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return link;
  if (options.hosts && !hostMatches(url.hostname, options.hosts)) return link;
  if ([...url.searchParams.keys()].some((key) => key.toLowerCase().startsWith('utm_'))) return link;

  const params: [string, string | undefined][] = [
    ['utm_source', options.source],
    ['utm_medium', options.medium ?? 'social'],
    ['utm_campaign', options.campaign],
    ['utm_content', options.content],
  ];
  const added = params
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  if (!added) return link;

  const separator = !beforeFragment.includes('?') ? '?' : /[?&]$/.test(beforeFragment) ? '' : '&';
  return `${beforeFragment}${separator}${added}${fragment}`;
}

/** Tags every http(s) link in `text` (see tagLink); the rest of the text is unchanged. */
export function tagLinks(text: string, options: UtmOptions): string {
  return replaceLinks(text, (url) => tagLink(url, options));
}

/**
 * A post's body and link as a channel publishes them: every http(s) link tagged with
 * utm_source = the platform and the channel's campaign; unchanged when the channel has no
 * campaign. The dispatcher and the composer's preview share this, so the preview is exact.
 */
export function withChannelUtm<T extends { body: string; link?: string | null }>(
  post: T,
  platform: string,
  campaign: string | null | undefined,
): T {
  if (!campaign) return post;
  const utm = { source: platform, campaign };
  return { ...post, body: tagLinks(post.body, utm), link: post.link ? tagLink(post.link, utm) : post.link };
}
