import { ApiError, type PostAction, type PostDraft } from '../api/client';
import type { Channel, PlatformLimits, Post, PostMedia, PostWithViolations, Violation } from '../api/types';
import { channelOf, hasRole, type AppContext, type ComposeOptions } from '../context';
import { announce, field, h, replace } from '../dom';
import { linkableUrl } from '../links';
import { STATUS_LABEL } from '../calendar/events';
import { fromLocalInput, toLocalInput, zonedTime } from '../time';
import { previewContent } from './content-preview';
import { MediaAttachments } from './media-attachments';
import { PostNumbers } from './post-numbers';

/**
 * The composer: a modal dialog to write a post or work on an existing one. It counts the
 * body against the channel's limit as the platform counts it, previews the UTM-tagged link,
 * checks the rules before saving ("Validate"), and offers the lifecycle actions the
 * member's role and the post's status allow.
 */
export class Composer {
  private readonly dialog = h('dialog', { class: 'composer', 'aria-labelledby': 'composer-title' });
  private post: Post | null = null;
  private options: ComposeOptions = {};

  // Controls
  private readonly channel = h('select', { name: 'channel', required: true });
  private readonly category = h('select', { name: 'category', required: true });
  private readonly titleInput = h('input', { type: 'text', name: 'title', maxlength: 300 });
  private readonly body = h('textarea', { name: 'body', rows: 6, required: true, maxlength: 10000 });
  private readonly link = h('input', { type: 'url', name: 'link', placeholder: 'https://', maxlength: 2048 });
  private readonly when = h('input', { type: 'datetime-local', name: 'scheduledAt' });
  private readonly overrideReason = h('input', { type: 'text', name: 'override-reason', maxlength: 1000 });

  // Live outputs
  private readonly counter = h('output', { class: 'counter', 'aria-live': 'polite' });
  private readonly utmPreview = h('small', { class: 'hint utm-preview' });
  private readonly whenHint = h('small', { class: 'hint' });
  private readonly guidelines = h('div', { class: 'guidelines' });
  private readonly result = h('div', { class: 'composer-result', 'aria-live': 'polite' });
  private readonly actions = h('div', { class: 'actions' });
  private readonly overrideBox = h('div', { class: 'override', hidden: true });
  private readonly heading = h('h2', { id: 'composer-title' }, 'New post');
  private readonly note = h('p', { class: 'note', hidden: true });
  private readonly media: MediaAttachments;
  /** A published post's counts from its platform (and clicks), latest first. */
  private readonly numbers: PostNumbers;
  /** The selected channel's limits as its server reports them (null: not known yet). */
  private limits: PlatformLimits | null = null;

  constructor(private readonly ctx: AppContext) {
    this.media = new MediaAttachments(ctx);
    this.numbers = new PostNumbers(ctx);
    this.dialog.addEventListener('paste', (e) => this.media.paste(e));
    for (const c of ctx.categories) this.category.append(h('option', { value: c.key }, c.name));
    for (const c of ctx.channels) this.channel.append(h('option', { value: c.id }, `${c.name} (${c.platform})`));
    for (const el of [this.body, this.titleInput, this.link]) el.addEventListener('input', () => this.updatePreview());
    this.channel.addEventListener('change', () => this.channelChanged());
    this.when.addEventListener('input', () => this.updateWhenHint());
    this.overrideBox.append(
      field('Override reason (a lead only; kept in the audit trail)', this.overrideReason),
      h('button', { type: 'button', onclick: () => void this.scheduleWithOverride() }, 'Schedule anyway'),
    );
    const form = h(
      'form',
      { method: 'dialog', onsubmit: (e: Event) => e.preventDefault() },
      h(
        'header',
        {},
        this.heading,
        h(
          'button',
          { type: 'button', class: 'close', 'aria-label': 'Close the composer', onclick: () => this.close() },
          '×',
        ),
      ),
      this.note,
      h(
        'div',
        { class: 'composer-grid' },
        h(
          'div',
          { class: 'composer-main' },
          field('Channel', this.channel),
          field('Category', this.category),
          field('Title (optional)', this.titleInput),
          field('Text', this.body, this.counter),
          field('Link (optional)', this.link, this.utmPreview),
          field('When (your time)', this.when, this.whenHint),
          this.media.el,
        ),
        h('div', { class: 'composer-side' }, this.guidelines, this.numbers.el),
      ),
      this.result,
      this.overrideBox,
      this.actions,
    );
    this.dialog.append(form);
    this.dialog.addEventListener('close', () => {
      this.post = null;
      this.media.clear();
      void this.numbers.show(null);
    });
    document.body.append(this.dialog);
  }

  open(options: ComposeOptions): void {
    this.options = options;
    const post = options.post ?? null;
    this.post = post;
    this.heading.textContent = post ? `${STATUS_LABEL[post.status]} post` : 'New post';
    this.note.hidden = !options.note;
    this.note.textContent = options.note ?? '';
    this.channel.value = post?.channelId ?? options.channelId ?? this.ctx.channels[0]?.id ?? '';
    this.channel.disabled = !!post;
    this.category.value = post?.category ?? options.category ?? 'informative';
    this.titleInput.value = post?.title ?? '';
    this.body.value = post?.body ?? '';
    this.link.value = post?.link ?? '';
    const at = post?.scheduledAt ?? options.scheduledAt;
    this.when.value = at ? toLocalInput(at) : '';
    const readOnly =
      !hasRole(this.ctx.me, 'editor') ||
      (post && !['draft', 'in_review', 'approved', 'scheduled'].includes(post.status));
    for (const el of [this.category, this.titleInput, this.body, this.link, this.when]) el.disabled = !!readOnly;
    this.clearResult();
    void this.media.reset(post?.media ?? [], !!readOnly);
    void this.numbers.show(post);
    this.channelChanged();
    this.renderActions();
    if (!this.dialog.open) this.dialog.showModal();
    (readOnly ? this.dialog.querySelector<HTMLElement>('.close') : this.body)?.focus();
  }

  close(): void {
    this.dialog.close();
  }

  private get selectedChannel(): Channel | undefined {
    return channelOf(this.ctx, this.channel.value);
  }

  private channelChanged(): void {
    const channel = this.selectedChannel;
    replace(
      this.guidelines,
      channel
        ? [
            h('h3', {}, `${channel.name} · ${channel.handle}`),
            channel.purpose ? h('p', {}, h('strong', {}, 'Purpose: '), channel.purpose) : null,
            channel.audience ? h('p', {}, h('strong', {}, 'Audience: '), channel.audience) : null,
            channel.goal ? h('p', {}, h('strong', {}, 'Goal: '), channel.goal) : null,
            channel.guidelines ? h('p', {}, h('strong', {}, 'Guidelines: '), channel.guidelines) : null,
            h(
              'p',
              { class: 'muted' },
              `Time zone ${channel.timezone}${channel.approvalRequired ? ' · posts need a lead’s approval' : ''}`,
            ),
          ]
        : [],
    );
    this.updatePreview();
    this.updateWhenHint();
    void this.loadLimits(channel);
  }

  /** Asks the server what the channel's platform takes (a Mastodon instance's own numbers). */
  private async loadLimits(channel: Channel | undefined): Promise<void> {
    this.limits = null;
    this.media.setLimits(null, channel?.requireAltText ?? true);
    if (!channel) return;
    const limits = await this.ctx.api.channelLimits(channel.id).catch(() => null);
    if (this.selectedChannel?.id !== channel.id) return;
    this.limits = limits;
    this.media.setLimits(limits, channel.requireAltText ?? true);
    this.updatePreview();
  }

  private updatePreview(): void {
    const channel = this.selectedChannel;
    if (!channel) return;
    const preview = previewContent(
      channel,
      { title: this.titleInput.value, body: this.body.value, link: this.link.value.trim() || null },
      this.limits,
    );
    this.counter.textContent = preview.limit
      ? `${preview.length} / ${preview.limit} ${preview.unit}`
      : `${preview.length} ${preview.unit}`;
    this.counter.classList.toggle('over', !!preview.problem);
    this.body.setCustomValidity(preview.problem ?? '');
    this.utmPreview.textContent =
      preview.link && preview.link !== this.link.value.trim()
        ? `Published as ${preview.link}`
        : preview.link
          ? 'Published as written (the channel adds no UTM tags).'
          : '';
  }

  private updateWhenHint(): void {
    const channel = this.selectedChannel;
    const at = fromLocalInput(this.when.value);
    this.whenHint.textContent =
      channel && at
        ? `= ${zonedTime(at, channel.timezone)} on the channel`
        : 'Leave empty to plan later, or use “Add to queue”.';
  }

  private draft(): PostDraft {
    return {
      body: this.body.value,
      category: this.category.value,
      title: this.titleInput.value.trim() || null,
      link: this.link.value.trim() || null,
      scheduledAt: fromLocalInput(this.when.value),
      media: this.media.value(),
    };
  }

  private renderActions(): void {
    const post = this.post;
    const me = this.ctx.me;
    const channel = this.selectedChannel;
    const buttons: HTMLElement[] = [];
    const button = (label: string, run: () => Promise<void>, primary = false) =>
      h(
        'button',
        { type: 'button', class: primary ? 'primary' : undefined, onclick: () => void this.guarded(run) },
        label,
      );
    const editable =
      hasRole(me, 'editor') && (!post || ['draft', 'in_review', 'approved', 'scheduled'].includes(post.status));
    if (editable) {
      buttons.push(button('Validate', () => this.validate()));
      buttons.push(button(post ? 'Save changes' : 'Save draft', () => this.save().then(() => undefined)));
    }
    const status = post?.status ?? 'draft';
    const directSchedule =
      status === 'approved' || status === 'scheduled' || (status === 'draft' && channel && !channel.approvalRequired);
    if (hasRole(me, 'editor') && status === 'draft' && channel?.approvalRequired)
      buttons.push(button('Submit for review', () => this.act('submit')));
    if (hasRole(me, 'lead') && status === 'in_review') {
      buttons.push(button('Approve', () => this.act('approve'), true));
      buttons.push(button('Send back', () => this.act('reject')));
    }
    if (hasRole(me, 'editor') && directSchedule) {
      buttons.push(button(status === 'scheduled' ? 'Reschedule' : 'Schedule', () => this.act('schedule'), true));
      buttons.push(button('Add to queue', () => this.act('queue')));
    }
    if (hasRole(me, 'editor') && status === 'scheduled')
      buttons.push(button('Unschedule', () => this.act('unschedule')));
    if (hasRole(me, 'editor') && post && ['draft', 'in_review', 'approved', 'scheduled'].includes(post.status))
      buttons.push(button('Cancel post', () => this.act('cancel')));
    const published = linkableUrl(post?.externalUrl); // http(s) only: the URL is what the platform answered
    if (published)
      buttons.push(
        h('a', { href: published, target: '_blank', rel: 'noopener noreferrer' }, 'Open the published post'),
      );
    buttons.push(h('button', { type: 'button', onclick: () => this.close() }, 'Close'));
    replace(this.actions, buttons);
  }

  /** Runs an action with the buttons disabled, showing any refusal in the composer. */
  private async guarded(run: () => Promise<void>): Promise<void> {
    const buttons = [...this.actions.querySelectorAll('button')];
    buttons.forEach((b) => (b.disabled = true));
    try {
      await run();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      this.showProblem(e);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  private async validate(): Promise<void> {
    const channel = this.selectedChannel;
    const scheduledAt = fromLocalInput(this.when.value);
    if (!channel) return this.showMessages('Choose a channel.', [], 'error');
    if (!scheduledAt) return this.showMessages('Pick a time to check it against the channel’s rules.', [], 'error');
    const answer = await this.ctx.api.validate(channel.id, {
      scheduledAt,
      category: this.category.value,
      postId: this.post?.id,
    });
    if (answer.violations.length === 0) this.showMessages('No rule broken at this time.', [], 'ok');
    else
      this.showMessages(
        answer.wouldBlock
          ? 'Scheduling here would be refused:'
          : 'Scheduling here breaks a rule (the channel only warns):',
        answer.violations,
        'error',
      );
  }

  /**
   * Creates the post or saves its changes; answers the saved post. Before schedule and
   * queue the time is left out: those actions carry it themselves (and a lead's override
   * applies to them), so a refused move is not tried twice.
   */
  private async save(options: { time: boolean } = { time: true }): Promise<Post> {
    const channel = this.selectedChannel;
    if (!channel) throw new ApiError({ title: 'No channel', status: 400, detail: 'Choose a channel.' });
    if (this.media.uploading)
      throw new ApiError({
        title: 'Uploads under way',
        status: 0,
        detail: 'Wait for the uploads to finish, or cancel them.',
      });
    const draft = this.draft();
    if (!options.time) delete draft.scheduledAt;
    let saved: PostWithViolations;
    if (!this.post) {
      if (draft.media?.length === 0) delete draft.media;
      saved = await this.ctx.api.createPost(channel.id, draft);
    } else {
      const changes: Partial<PostDraft> = {};
      const p = this.post;
      if (draft.body !== p.body) changes.body = draft.body;
      if (draft.category !== p.category) changes.category = draft.category;
      if ((draft.title ?? null) !== (p.title ?? null)) changes.title = draft.title;
      if ((draft.link ?? null) !== (p.link ?? null)) changes.link = draft.link;
      if (sameMedia(draft.media ?? [], p.media ?? []) === false) changes.media = draft.media;
      if (
        options.time &&
        draft.scheduledAt !== p.scheduledAt &&
        !(draft.scheduledAt && p.scheduledAt && Date.parse(draft.scheduledAt) === Date.parse(p.scheduledAt))
      ) {
        changes.scheduledAt = draft.scheduledAt;
      }
      saved = Object.keys(changes).length ? await this.ctx.api.updatePost(p, changes) : p;
    }
    this.post = saved;
    this.heading.textContent = `${STATUS_LABEL[saved.status]} post`;
    this.channel.disabled = true;
    this.renderActions();
    this.ctx.refresh();
    if (saved.violations?.length) this.showMessages('Saved, with warnings:', saved.violations, 'warn');
    else this.showMessages('Saved.', [], 'ok');
    return saved;
  }

  private async act(action: PostAction, extra: Record<string, unknown> = {}): Promise<void> {
    const scheduledAt = fromLocalInput(this.when.value);
    if (action === 'schedule' && !scheduledAt) {
      return this.showMessages('Pick a time first, or use “Add to queue” to take the next free slot.', [], 'error');
    }
    const post = await this.save({ time: action !== 'schedule' && action !== 'queue' });
    const body: Record<string, unknown> = { ...extra };
    if (action === 'schedule') body.scheduledAt = scheduledAt;
    const done = await this.ctx.api.act(post, action, body);
    this.post = done;
    this.heading.textContent = `${STATUS_LABEL[done.status]} post`;
    if (done.scheduledAt) this.when.value = toLocalInput(done.scheduledAt);
    this.updateWhenHint();
    this.renderActions();
    this.ctx.refresh();
    const what = {
      submit: 'Submitted for review.',
      approve: 'Approved.',
      reject: 'Sent back to draft.',
      schedule: 'Scheduled.',
      unschedule: 'Taken out of the schedule.',
      cancel: 'Cancelled.',
      queue: 'Added to the queue.',
    }[action];
    const when =
      done.scheduledAt && (action === 'queue' || action === 'schedule')
        ? ` It goes out ${zonedTime(done.scheduledAt, this.selectedChannel?.timezone ?? 'UTC')}.`
        : '';
    if (done.violations?.length) this.showMessages(`${what}${when} With warnings:`, done.violations, 'warn');
    else this.showMessages(`${what}${when}`, [], 'ok');
    announce(`${what}${when}`);
  }

  private async scheduleWithOverride(): Promise<void> {
    const reason = this.overrideReason.value.trim();
    if (!reason) {
      this.overrideReason.focus();
      return;
    }
    await this.guarded(() => this.act('schedule', { override: { reason } }));
  }

  private showProblem(error: ApiError): void {
    this.media.showProblem(error);
    const violations = error.problem.violations ?? [];
    const lines = [...(error.problem.errors ?? []).map((e) => `${e.field}: ${e.message}`)];
    this.showMessages(error.problem.detail ?? error.problem.title, violations, 'error', lines);
    this.overrideBox.hidden = !(error.status === 422 && violations.length > 0 && hasRole(this.ctx.me, 'lead'));
  }

  private showMessages(
    headline: string,
    violations: Violation[],
    tone: 'ok' | 'warn' | 'error',
    extra: string[] = [],
  ): void {
    this.overrideBox.hidden = true;
    this.result.className = `composer-result result-${tone}`;
    this.result.setAttribute('role', tone === 'error' ? 'alert' : 'status');
    replace(
      this.result,
      h('p', {}, headline),
      extra.length || violations.length
        ? h(
            'ul',
            {},
            extra.map((m) => h('li', {}, m)),
            violations.map((v) => h('li', { class: 'violation' }, v.message)),
          )
        : null,
    );
  }

  private clearResult(): void {
    this.overrideBox.hidden = true;
    this.overrideReason.value = '';
    this.result.replaceChildren();
    this.result.className = 'composer-result';
  }
}

/** Whether two media lists are the same items in the same order with the same alt texts. */
function sameMedia(a: PostMedia[], b: PostMedia[]): boolean {
  const norm = (m: PostMedia[]) => m.map((x) => [x.id, x.alt?.trim() || null]);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
