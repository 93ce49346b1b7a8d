import { ApiError, type Upload } from '../api/client';
import type { MediaItem, PlatformLimits, PostMedia } from '../api/types';
import type { AppContext } from '../context';
import { announce, h, nextId, replace } from '../dom';
import { MediaLibraryPanel, Thumbnails } from '../panels/media-panel';
import { mediaProblems } from './media-limits';

/** One attachment of the post being composed: uploading, or a library file. */
interface Attachment {
  key: string;
  /** The library's file, once uploaded (or picked from the library). */
  media: MediaItem | null;
  upload: Upload | null;
  name: string;
  el: HTMLLIElement;
  img: HTMLImageElement;
  alt: HTMLInputElement;
  altLabel: HTMLLabelElement;
  warning: HTMLElement;
  progress: HTMLProgressElement;
  progressBox: HTMLElement;
  thumbUrl: string | null;
}

const DRAG_TYPE = 'application/x-palinsesto-media';

/**
 * The composer's media: files dropped onto it, pasted or picked are uploaded to the library
 * (each with a progress bar and a Cancel button), library files are added from its panel;
 * thumbnails in post order (buttons or drag to reorder, Remove), an alt text per item with a
 * warning while it is empty, and the channel's platform limits checked as they change.
 */
export class MediaAttachments {
  readonly el: HTMLElement;
  private readonly list = h('ol', { class: 'media-list', 'aria-label': 'Media of the post, in order' });
  private readonly problems = h('ul', { class: 'media-problems', 'aria-live': 'polite' });
  private readonly picker = h('input', {
    type: 'file',
    multiple: true,
    accept: 'image/*,video/*',
    class: 'visually-hidden',
    'aria-label': 'Choose images or videos to upload',
  });
  private readonly pickButton = h('button', { type: 'button' }, 'Choose files…');
  private readonly libraryButton = h('button', { type: 'button' }, 'From the library…');
  private readonly library: MediaLibraryPanel;
  private readonly thumbs: Thumbnails;
  private items: Attachment[] = [];
  private limits: PlatformLimits | null = null;
  private requireAltText = true;
  private disabled = false;
  private dragged: Attachment | null = null;
  /** Bumped by every clear (and so reset), so that a slow load for a post no longer shown adds nothing. */
  private generation = 0;

  constructor(
    private readonly ctx: AppContext,
    private readonly changed: () => void = () => undefined,
  ) {
    this.thumbs = new Thumbnails(ctx);
    this.library = new MediaLibraryPanel(ctx, (item) => this.addLibraryItem(item));
    this.pickButton.addEventListener('click', () => this.picker.click());
    this.picker.addEventListener('change', () => {
      this.addFiles([...(this.picker.files ?? [])]);
      this.picker.value = '';
    });
    this.libraryButton.addEventListener('click', () =>
      this.library.open ? this.library.hide() : void this.library.show(),
    );
    const zone = h(
      'div',
      { class: 'media-drop', 'data-testid': 'media-drop' },
      h('p', {}, 'Drop images or videos here, paste them, or '),
      this.pickButton,
      this.libraryButton,
      this.picker,
    );
    this.el = h(
      'fieldset',
      { class: 'media' },
      h('legend', {}, 'Media (optional)'),
      zone,
      this.list,
      this.problems,
      this.library.el,
    );
    // Files dropped anywhere on the media section; a thumbnail dragged within the list reorders.
    this.el.addEventListener('dragover', (e) => {
      if (this.disabled) return;
      if (e.dataTransfer?.types.includes('Files') || e.dataTransfer?.types.includes(DRAG_TYPE)) {
        e.preventDefault();
        zone.classList.add('dragging');
      }
    });
    this.el.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    this.el.addEventListener('drop', (e) => {
      zone.classList.remove('dragging');
      if (this.disabled || !e.dataTransfer) return;
      const files = [...e.dataTransfer.files];
      if (files.length === 0) return;
      e.preventDefault();
      this.addFiles(files);
    });
  }

  /** Pasted images (from the clipboard) are uploaded like dropped ones. */
  paste(e: ClipboardEvent): void {
    if (this.disabled) return;
    const files = [...(e.clipboardData?.files ?? [])].filter(
      (f) => f.type.startsWith('image/') || f.type.startsWith('video/'),
    );
    if (files.length === 0) return;
    e.preventDefault();
    this.addFiles(files);
  }

  /** Shows a post's media (loading each item's details), or none. */
  async reset(media: PostMedia[], disabled: boolean): Promise<void> {
    this.clear();
    const generation = this.generation;
    this.disabled = disabled;
    for (const el of [this.pickButton, this.libraryButton]) el.disabled = disabled;
    this.library.hide();
    const details = await Promise.all(media.map((m) => this.ctx.api.media(m.id).catch(() => null)));
    if (generation !== this.generation) return;
    media.forEach((m, i) => {
      const item = details[i];
      const attachment = this.attach(item?.alt ?? `Item ${i + 1}`, m.alt ?? item?.alt ?? '');
      if (item) {
        attachment.media = item;
        void this.thumbs.load(attachment.img, item).then((u) => (attachment.thumbUrl = u));
      } else {
        attachment.media = { id: m.id, kind: 'image', mimeType: '', bytes: 0 } as MediaItem;
      }
      attachment.progressBox.hidden = true;
    });
    this.update();
  }

  /** Cancels uploads under way and drops every thumbnail (the composer closed). */
  clear(): void {
    this.generation += 1;
    for (const a of this.items) a.upload?.cancel();
    this.items = [];
    this.list.replaceChildren();
    this.thumbs.revoke();
    this.library.hide();
    this.update();
  }

  setLimits(limits: PlatformLimits | null, requireAltText: boolean): void {
    this.limits = limits;
    this.requireAltText = requireAltText;
    this.update();
  }

  get uploading(): boolean {
    return this.items.some((a) => a.upload !== null);
  }

  /** The post's `media` as the API takes it: ids in order, each with its alt text. */
  value(): PostMedia[] {
    return this.items
      .filter((a) => a.media)
      .map((a) => {
        const alt = a.alt.value.trim();
        return alt ? { id: a.media!.id, alt } : { id: a.media!.id };
      });
  }

  /** Marks the items a 422 named (`errors: [{field: "media[0].alt"}]`). */
  showProblem(error: ApiError): void {
    for (const e of error.problem.errors ?? []) {
      const match = /^media\[(\d+)\]/.exec(e.field);
      const item = match ? this.items.filter((a) => a.media)[Number(match[1])] : undefined;
      if (!item) continue;
      item.warning.hidden = false;
      item.warning.textContent = `Refused by the server: ${e.message}`;
      item.alt.setAttribute('aria-invalid', 'true');
    }
  }

  private addFiles(files: File[]): void {
    for (const file of files) this.uploadFile(file);
    this.update();
  }

  private uploadFile(file: File): void {
    const attachment = this.attach(file.name || 'Pasted image', '');
    if (file.type.startsWith('image/')) attachment.thumbUrl = this.thumbs.local(attachment.img, file);
    const upload = this.ctx.api.uploadMedia(this.ctx.me.workspace.id, file, (fraction) => {
      attachment.progress.value = fraction;
      attachment.progress.textContent = `${Math.round(fraction * 100)}%`;
    });
    attachment.upload = upload;
    attachment.el.dataset.state = 'uploading';
    upload.done.then(
      (media) => {
        attachment.upload = null;
        attachment.media = media;
        attachment.el.dataset.state = 'uploaded';
        attachment.el.dataset.mediaId = media.id;
        attachment.progressBox.hidden = true;
        if (!attachment.alt.value && media.alt) attachment.alt.value = media.alt;
        if (!attachment.thumbUrl) void this.thumbs.load(attachment.img, media).then((u) => (attachment.thumbUrl = u));
        this.update();
      },
      (e: unknown) => {
        attachment.upload = null;
        this.remove(attachment);
        const cancelled = e instanceof ApiError && e.problem.title === 'Upload cancelled';
        if (cancelled) announce(`Upload of ${attachment.name} cancelled.`);
        else
          announce(
            `${attachment.name} was not uploaded: ${e instanceof ApiError ? e.messages.join(' ') : String(e)}`,
            'error',
          );
      },
    );
  }

  private addLibraryItem(media: MediaItem): void {
    if (this.items.some((a) => a.media?.id === media.id)) {
      announce('That file is already on the post.');
      return;
    }
    const attachment = this.attach(
      media.alt || `${media.kind} ${media.width ?? ''}×${media.height ?? ''}`,
      media.alt ?? '',
    );
    attachment.media = media;
    attachment.el.dataset.mediaId = media.id;
    attachment.el.dataset.state = 'uploaded';
    attachment.progressBox.hidden = true;
    void this.thumbs.load(attachment.img, media).then((u) => (attachment.thumbUrl = u));
    this.update();
    announce('Added from the library.');
  }

  /** Builds an item's row (once: reordering moves it, so typing in its alt text keeps focus). */
  private attach(name: string, alt: string): Attachment {
    const key = nextId('media');
    const img = h('img', { class: 'thumb', alt: '', width: 96, height: 96 });
    const altInput = h('input', { type: 'text', id: `${key}-alt`, maxlength: 1500, value: alt });
    altInput.value = alt;
    const altLabel = h('label', { for: altInput.id }, 'Alt text');
    const warning = h('small', { class: 'alt-warning', id: `${key}-warning`, role: 'status' });
    altInput.setAttribute('aria-describedby', warning.id);
    const progress = h('progress', { max: 1, value: 0, 'aria-label': `Uploading ${name}` });
    const attachment: Attachment = {
      key,
      media: null,
      upload: null,
      name,
      el: h('li', { class: 'media-item', draggable: true }),
      img,
      alt: altInput,
      altLabel,
      warning,
      progress,
      progressBox: h('div', { class: 'upload' }),
      thumbUrl: null,
    };
    attachment.progressBox.append(
      progress,
      h(
        'button',
        { type: 'button', class: 'link', onclick: () => attachment.upload?.cancel() },
        `Cancel upload of ${name}`,
      ),
    );
    const controls = h(
      'div',
      { class: 'media-controls' },
      h('button', { type: 'button', class: 'earlier', onclick: () => this.move(attachment, -1) }, '←'),
      h('button', { type: 'button', class: 'later', onclick: () => this.move(attachment, 1) }, '→'),
      h('button', { type: 'button', class: 'remove', onclick: () => this.removeByPerson(attachment) }, 'Remove'),
    );
    altInput.addEventListener('input', () => this.update());
    attachment.el.append(
      h('figure', {}, img, h('figcaption', { class: 'media-name' }, name)),
      attachment.progressBox,
      h('div', { class: 'field' }, altLabel, altInput, warning),
      controls,
    );
    attachment.el.addEventListener('dragstart', (e) => {
      if (this.disabled || (e.target as HTMLElement).closest('input')) return;
      this.dragged = attachment;
      e.dataTransfer?.setData(DRAG_TYPE, attachment.key);
    });
    attachment.el.addEventListener('dragend', () => (this.dragged = null));
    attachment.el.addEventListener('drop', (e) => {
      if (!this.dragged || !e.dataTransfer?.types.includes(DRAG_TYPE)) return;
      e.preventDefault();
      e.stopPropagation();
      const from = this.items.indexOf(this.dragged);
      const to = this.items.indexOf(attachment);
      if (from >= 0 && to >= 0 && from !== to) this.move(this.dragged, to - from);
      this.dragged = null;
    });
    this.items.push(attachment);
    this.list.append(attachment.el);
    return attachment;
  }

  private move(attachment: Attachment, by: number): void {
    const from = this.items.indexOf(attachment);
    const to = Math.max(0, Math.min(this.items.length - 1, from + by));
    if (from < 0 || to === from) return;
    this.items.splice(from, 1);
    this.items.splice(to, 0, attachment);
    const next = this.items[to + 1];
    this.list.insertBefore(attachment.el, next ? next.el : null);
    this.update();
    attachment.el.querySelector<HTMLButtonElement>(by < 0 ? '.earlier' : '.later')?.focus();
  }

  private removeByPerson(attachment: Attachment): void {
    attachment.upload?.cancel();
    this.remove(attachment);
    announce(`${attachment.name} removed from the post.`);
  }

  private remove(attachment: Attachment): void {
    const at = this.items.indexOf(attachment);
    if (at < 0) return;
    this.items.splice(at, 1);
    attachment.el.remove();
    if (attachment.thumbUrl) this.thumbs.revoke(attachment.thumbUrl);
    this.update();
  }

  /** Numbers, labels, alt warnings and the platform's limits, after every change. */
  private update(): void {
    this.items.forEach((a, i) => {
      const n = i + 1;
      a.el.dataset.position = String(n);
      a.img.alt = a.alt.value.trim() || `Item ${n}: ${a.name}`;
      a.altLabel.textContent = `Alt text of item ${n}`;
      const [earlier, later, remove] = a.el.querySelectorAll<HTMLButtonElement>('.media-controls button');
      earlier.setAttribute('aria-label', `Move item ${n} earlier`);
      later.setAttribute('aria-label', `Move item ${n} later`);
      remove.setAttribute('aria-label', `Remove item ${n}`);
      earlier.disabled = this.disabled || i === 0;
      later.disabled = this.disabled || i === this.items.length - 1;
      remove.disabled = this.disabled;
      a.alt.disabled = this.disabled;
      const empty = a.alt.value.trim() === '';
      a.warning.hidden = !empty;
      a.warning.textContent = empty
        ? this.requireAltText
          ? 'No alt text: this channel requires one. Describe the image for people who cannot see it.'
          : 'No alt text: describe the image for people who cannot see it.'
        : '';
      a.alt.toggleAttribute('aria-invalid', empty && this.requireAltText);
      a.el.classList.toggle('no-alt', empty);
    });
    const checked = this.items
      .filter((a) => a.media)
      .map((a) => ({
        kind: a.media!.kind,
        mimeType: a.media!.mimeType,
        bytes: a.media!.bytes,
        durationMs: a.media!.durationMs ?? null,
        alt: a.alt.value.trim(),
      }));
    // The alt warnings are shown per item; the list names the platform's limits.
    const problems = mediaProblems(this.limits, checked, false);
    replace(
      this.problems,
      problems.map((p) => h('li', { class: 'violation' }, p)),
    );
    this.changed();
  }

  /** The problems that would make the server refuse the media (shown before saving). */
  get problemCount(): number {
    return this.problems.childElementCount;
  }
}
