/**
 * The page links only to http(s) URLs. A URL that comes from elsewhere (a post's
 * externalUrl is what a platform answered) with another scheme (`javascript:`, `data:`,
 * `mock:` of the dry-run platform...) is shown as text, never as a link.
 */
export function linkableUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}
