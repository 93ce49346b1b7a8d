/** The parts of a post that make its text. */
export interface ComposablePost {
  body: string;
  title?: string | null;
  link?: string | null;
}

/**
 * The text as published on text platforms (Mastodon, Bluesky, the mock): title, body and
 * link as paragraphs separated by a blank line, each trimmed, empty ones left out. The link
 * is not repeated when the body already contains it.
 */
export function composeText(post: ComposablePost): string {
  const title = post.title?.trim();
  const body = post.body.trim();
  const link = post.link?.trim();
  const parts: string[] = [];
  if (title) parts.push(title);
  if (body) parts.push(body);
  if (link && !body.includes(link)) parts.push(link);
  return parts.join('\n\n');
}
