import { ApiError } from '../api/client';
import type { MediaItem } from '../api/types';
import type { AppContext } from '../context';
import { announce, h } from '../dom';

/** Object URLs of thumbnails, loaded with the page's authentication and revoked when dropped. */
export class Thumbnails {
  private readonly urls = new Set<string>();

  constructor(private readonly ctx: Pick<AppContext, 'api'>) {}

  /** Loads the item's thumbnail into `img` (none for a video: its text alternative stays); answers its URL. */
  async load(img: HTMLImageElement, item: { thumbnailUrl: string | null }): Promise<string | null> {
    if (!item.thumbnailUrl) return null;
    try {
      const url = await this.ctx.api.mediaObjectUrl(item.thumbnailUrl);
      this.urls.add(url);
      img.src = url;
      return url;
    } catch {
      img.classList.add('thumb-missing');
      return null;
    }
  }

  /** Shows a local file (not uploaded yet) in `img`. */
  local(img: HTMLImageElement, file: Blob): string {
    const url = URL.createObjectURL(file);
    this.urls.add(url);
    img.src = url;
    return url;
  }

  /** Revokes one URL (an item removed) or all (the view closed). */
  revoke(url?: string): void {
    for (const u of url ? [url] : [...this.urls]) {
      URL.revokeObjectURL(u);
      this.urls.delete(u);
    }
  }
}

/**
 * The workspace's media library as a list to pick from: newest first, a page at a time,
 * each with its thumbnail; "Add" hands the item to `pick` (the composer adds it to the post).
 */
export class MediaLibraryPanel {
  readonly el = h('section', { class: 'media-library', 'aria-label': 'Media library', hidden: true });
  private readonly list = h('ul', { class: 'media-library-list' });
  private readonly more = h('button', { type: 'button', hidden: true }, 'Show more');
  private readonly status = h('p', { class: 'muted', 'aria-live': 'polite' });
  private readonly thumbs: Thumbnails;
  private cursor: string | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly pick: (item: MediaItem) => void,
  ) {
    this.thumbs = new Thumbnails(ctx);
    this.more.addEventListener('click', () => void this.loadPage());
    this.el.append(
      h(
        'header',
        {},
        h('h3', {}, 'Media library'),
        h('button', { type: 'button', class: 'link', onclick: () => this.hide() }, 'Hide the library'),
      ),
      this.status,
      this.list,
      this.more,
    );
  }

  get open(): boolean {
    return !this.el.hidden;
  }

  async show(): Promise<void> {
    this.el.hidden = false;
    this.thumbs.revoke();
    this.list.replaceChildren();
    this.cursor = null;
    await this.loadPage();
  }

  hide(): void {
    this.el.hidden = true;
    this.thumbs.revoke();
    this.list.replaceChildren();
  }

  private async loadPage(): Promise<void> {
    this.status.textContent = 'Loading…';
    try {
      const page = await this.ctx.api.mediaPage(this.ctx.me.workspace.id, this.cursor);
      this.cursor = page.nextCursor;
      for (const item of page.items) this.list.append(this.row(item));
      this.more.hidden = !page.nextCursor;
      this.status.textContent =
        this.list.childElementCount === 0 ? 'The library is empty: upload files in the composer.' : '';
    } catch (e) {
      this.status.textContent = '';
      announce(e instanceof ApiError ? e.messages.join(' ') : 'The media library could not be loaded.', 'error');
    }
  }

  private row(item: MediaItem): HTMLElement {
    const name = item.alt?.trim() || `${item.kind} ${item.width ?? '?'}×${item.height ?? '?'}`;
    const img = h('img', { class: 'thumb', alt: item.alt ?? '', width: 64, height: 64 });
    void this.thumbs.load(img, item);
    const li = h(
      'li',
      { 'data-media-id': item.id },
      img,
      h('span', { class: 'media-name' }, name),
      h('button', { type: 'button', 'aria-label': `Add ${name} to the post`, onclick: () => this.pick(item) }, 'Add'),
    );
    return li;
  }
}
