/** Finding http(s) links in post text, the way the platforms' linkifiers do. */
export interface FoundLink {
  /** UTF-16 offsets into the text. */
  start: number;
  end: number;
  url: string;
}

const LINK = /\bhttps?:\/\/[^\s<>"'`«»“”‘’]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?…]+$/;

/** Drops sentence punctuation and unbalanced closing brackets that end a matched link. */
function trimLink(candidate: string): string {
  let url = candidate;
  for (;;) {
    const before = url;
    url = url.replace(TRAILING_PUNCTUATION, '');
    for (const [open, close] of [
      ['(', ')'],
      ['[', ']'],
      ['{', '}'],
    ] as const) {
      if (url.endsWith(close) && url.split(close).length > url.split(open).length) url = url.slice(0, -1);
    }
    if (url === before) return url;
  }
}

export function findLinks(text: string): FoundLink[] {
  const links: FoundLink[] = [];
  for (const match of text.matchAll(LINK)) {
    const url = trimLink(match[0]);
    if (!/^https?:\/\/[^/?#]+/i.test(url)) continue; // needs a host
    const start = match.index ?? 0;
    links.push({ start, end: start + url.length, url });
  }
  return links;
}

/** Replaces every link by `replace(url)`, leaving the rest of the text as it is. */
export function replaceLinks(text: string, replace: (url: string) => string): string {
  let out = '';
  let last = 0;
  for (const link of findLinks(text)) {
    out += text.slice(last, link.start) + replace(link.url);
    last = link.end;
  }
  return out + text.slice(last);
}
