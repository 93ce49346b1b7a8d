import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import sharp from 'sharp';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { EgressGuard } from '../../egress/egress-guard';
import { egressRefusal } from '../../egress/egress-refused.error';

/** What a link card shows, read from the page's OpenGraph tags (or its title and description). */
export interface LinkCard {
  uri: string;
  title: string;
  description: string;
  /** The page's image, fetched and made to fit `maxImageBytes` (JPEG when re-encoded). */
  image?: { data: Buffer; mimeType: string; width?: number; height?: number };
}

export type LinkCardResult = { card: LinkCard } | { card: null; reason: string };

export interface LinkCardLimits {
  /** Most bytes of the page read; the rest is never downloaded. */
  maxPageBytes: number;
  /** Most bytes of the image downloaded. */
  maxImageDownloadBytes?: number;
  /** Most bytes of the image as sent (Bluesky's blob limit: re-encoded to fit). */
  maxImageBytes: number;
  /** Time limit of the page and of the image, each. */
  timeoutMs: number;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 3;
const MAX_TITLE = 300;
const MAX_DESCRIPTION = 1_000;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
/** Pixels sharp decodes at most (decompression bombs). */
const MAX_IMAGE_PIXELS = 40_000_000;

/**
 * Reads a link card for a post: the page at `url` through the egress guard (redirects only
 * through it, at most 3), at most `maxPageBytes` of it and within `timeoutMs`, then its
 * og:image the same way. Never throws: a card that cannot be made is `{card: null, reason}`
 * (the post is then published without a card: a card is decoration, the post is not).
 * The reason is ours, never the remote page's text.
 */
@Injectable()
export class LinkCardFetcher {
  private readonly logger = new Logger(LinkCardFetcher.name);
  /** LINK_CARDS (default on); off, posts with a link go out without a card. */
  readonly enabled: boolean;

  constructor(
    private readonly egress: EgressGuard,
    @Optional() @Inject(APP_CONFIG) config?: Pick<AppConfig, 'linkCards'> | null,
  ) {
    this.enabled = config?.linkCards ?? true;
  }

  async fetchCard(url: string, limits: LinkCardLimits): Promise<LinkCardResult> {
    let page: { text: string; finalUrl: URL };
    try {
      const read = await this.read(url, limits.maxPageBytes, limits, (type) =>
        /^(text\/html|application\/xhtml\+xml)/i.test(type),
      );
      page = { text: read.data.toString('utf8'), finalUrl: read.finalUrl };
    } catch (error) {
      return { card: null, reason: `the page could not be read (${describe(error)})` };
    }
    const meta = readMeta(page.text);
    const title = clip(meta['og:title'] ?? meta['twitter:title'] ?? meta['<title>'], MAX_TITLE);
    if (!title) return { card: null, reason: 'the page has no title' };
    const description =
      clip(meta['og:description'] ?? meta['twitter:description'] ?? meta['description'], MAX_DESCRIPTION) ?? '';
    const card: LinkCard = { uri: url, title, description };
    const imageRef = meta['og:image'] ?? meta['og:image:url'] ?? meta['twitter:image'];
    if (imageRef) {
      try {
        const imageUrl = new URL(imageRef, page.finalUrl);
        card.image = await this.image(imageUrl, limits);
      } catch (error) {
        this.logger.debug(`Link card of ${safeOrigin(url)}: no image (${describe(error)})`);
      }
    }
    return { card };
  }

  private async image(url: URL, limits: LinkCardLimits): Promise<LinkCard['image']> {
    const read = await this.read(url, limits.maxImageDownloadBytes ?? 10 * limits.maxImageBytes, limits, (type) =>
      IMAGE_TYPES.has(type.split(';')[0]!.trim().toLowerCase()),
    );
    const meta = await sharp(read.data, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
    const mimeType = meta.format ? `image/${meta.format === 'jpeg' ? 'jpeg' : meta.format}` : '';
    if (!IMAGE_TYPES.has(mimeType)) throw new Error('not an image');
    if (read.data.length <= limits.maxImageBytes) {
      return { data: read.data, mimeType, width: meta.width, height: meta.height };
    }
    // Too large for the platform: scaled down and re-encoded until it fits.
    let width = Math.min(meta.width ?? 2000, 2000);
    for (let i = 0; i < 8; i++) {
      const { data, info } = await sharp(read.data, { limitInputPixels: MAX_IMAGE_PIXELS })
        .rotate()
        .resize({ width, withoutEnlargement: true })
        .jpeg({ quality: 80 })
        .toBuffer({ resolveWithObject: true });
      if (data.length <= limits.maxImageBytes)
        return { data, mimeType: 'image/jpeg', width: info.width, height: info.height };
      width = Math.round(width * 0.7);
    }
    throw new Error('the image does not fit');
  }

  /** At most `maxBytes` of the body (the connection is dropped after), within the time limit. */
  private async read(
    url: string | URL,
    maxBytes: number,
    limits: LinkCardLimits,
    acceptType: (contentType: string) => boolean,
  ): Promise<{ data: Buffer; finalUrl: URL }> {
    const timeout = AbortSignal.timeout(limits.timeoutMs);
    const signal = limits.signal ? AbortSignal.any([timeout, limits.signal]) : timeout;
    const response = await this.egress.fetch(url, {
      method: 'GET',
      headers: {
        accept: 'text/html,application/xhtml+xml,image/*;q=0.8',
        'user-agent': 'Palinsesto/0.1 (+link cards)',
      },
      signal,
      maxRedirects: MAX_REDIRECTS,
    });
    const finalUrl = new URL(response.url || String(url));
    if (response.status < 200 || response.status >= 300) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`answered ${response.status}`);
    }
    if (!acceptType(response.headers.get('content-type') ?? '')) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error('unexpected content type');
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const reader = response.body?.getReader();
    if (!reader) return { data: Buffer.alloc(0), finalUrl };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const room = maxBytes - total;
        chunks.push(Buffer.from(value.subarray(0, Math.max(0, room))));
        total += value.length;
        if (total >= maxBytes) break; // enough: the rest is never read
      }
    } finally {
      await reader.cancel().catch(() => undefined);
    }
    return { data: Buffer.concat(chunks), finalUrl };
  }
}

/** Our words for a failure: an egress refusal's own message, else the error kind, never remote text. */
function describe(error: unknown): string {
  const refused = egressRefusal(error);
  if (refused) return refused.message;
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
    if (/^(answered \d{3}|unexpected content type|not an image|the image does not fit)$/.test(error.message)) {
      return error.message;
    }
  }
  return 'could not connect';
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}

function clip(value: string | undefined, max: number): string | undefined {
  const text = value?.replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/**
 * The page's `<meta property|name=... content=...>` values (first of each, keys lower-cased)
 * and its `<title>` under the key `<title>`. A small tolerant scan: attributes in any order,
 * either quote; what it does not understand it skips.
 */
export function readMeta(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of html.matchAll(/<meta\b[^>]*>/gi)) {
    const attributes: Record<string, string> = {};
    for (const attr of tag[0].matchAll(/([a-zA-Z:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
      attributes[attr[1]!.toLowerCase()] = attr[2] ?? attr[3] ?? attr[4] ?? '';
    }
    const key = (attributes['property'] ?? attributes['name'])?.toLowerCase();
    const content = attributes['content'];
    if (key && content !== undefined && !(key in out)) out[key] = decodeEntities(content);
  }
  const title = /<title\b[^>]*>([^<]*)<\/title>/i.exec(html);
  if (title?.[1]) out['<title>'] = decodeEntities(title[1]);
  return out;
}
