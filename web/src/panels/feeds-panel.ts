import { ApiError } from '../api/client';
import type { Feed } from '../api/types';
import { channelOf, hasRole, type AppContext } from '../context';
import { announce, field, h, replace } from '../dom';
import { localTime } from '../time';

/** iCal feeds: create one (its URL is shown once, to copy), list them, revoke one. */
export class FeedsPanel {
  readonly el = h('section', { class: 'panel feeds-panel', 'aria-labelledby': 'feeds-title' });
  private readonly list = h('div', { class: 'feed-list' });
  private readonly created = h('div', { class: 'feed-created', 'aria-live': 'polite' });

  constructor(private readonly ctx: AppContext) {
    const canEdit = hasRole(ctx.me, 'editor');
    this.el.append(
      h('header', {}, h('h2', { id: 'feeds-title' }, 'Calendar feeds')),
      h(
        'p',
        { class: 'muted' },
        'Subscribe to the plan from Google Calendar, Outlook, Apple Calendar or Thunderbird. Anyone with a feed’s URL can read it: share it like a password, revoke it when it leaks.',
      ),
      canEdit ? this.form() : h('p', {}, 'Feeds are managed by editors and leads.'),
      this.created,
      this.list,
    );
  }

  async load(): Promise<void> {
    if (!hasRole(this.ctx.me, 'editor')) return;
    try {
      const feeds = await this.ctx.api.feeds(this.ctx.me.workspace.id);
      replace(
        this.list,
        feeds.length
          ? h(
              'ul',
              {},
              feeds.map((f) => this.item(f)),
            )
          : h('p', { class: 'empty' }, 'No feeds yet.'),
      );
    } catch (e) {
      if (e instanceof ApiError) replace(this.list, h('p', { role: 'alert' }, e.messages.join(' ')));
      else throw e;
    }
  }

  private form(): HTMLElement {
    const name = h('input', {
      type: 'text',
      name: 'feed-name',
      required: true,
      maxlength: 200,
      placeholder: 'Sales team',
    });
    const channels = this.ctx.channels.map((c) => h('input', { type: 'checkbox', name: 'feed-channel', value: c.id }));
    const drafts = h('input', { type: 'checkbox', name: 'include-drafts' });
    const gaps = h('input', { type: 'checkbox', name: 'include-gaps', checked: true });
    const errors = h('div', { role: 'alert', class: 'form-errors' });
    const submit = async () => {
      errors.replaceChildren();
      const chosen = channels.filter((c) => c.checked).map((c) => c.value);
      try {
        const feed = await this.ctx.api.createFeed(this.ctx.me.workspace.id, {
          name: name.value.trim(),
          ...(chosen.length ? { channelIds: chosen } : {}),
          includeDrafts: drafts.checked,
          includeGaps: gaps.checked,
        });
        name.value = '';
        this.showCreated(feed.name, feed.url);
        await this.load();
      } catch (e) {
        if (e instanceof ApiError)
          replace(
            errors,
            e.messages.map((m) => h('div', {}, m)),
          );
        else throw e;
      }
    };
    return h(
      'form',
      {
        class: 'feed-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void submit();
        },
      },
      field('Feed name', name),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Channels (none ticked: all)'),
        channels.map((box, i) => h('label', { class: 'check' }, box, ` ${this.ctx.channels[i]!.name}`)),
      ),
      h('label', { class: 'check' }, drafts, ' Include drafts and posts in review'),
      h('label', { class: 'check' }, gaps, ' Show planned gaps as events'),
      errors,
      h('button', { type: 'submit', class: 'primary' }, 'Create feed'),
    );
  }

  private showCreated(name: string, url: string): void {
    const input = h('input', { type: 'text', readonly: true, value: url, name: 'feed-url', class: 'feed-url' });
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(url);
        announce('Feed URL copied.');
      } catch {
        input.select();
        announce('Select-all done: press Ctrl+C (⌘C) to copy.');
      }
    };
    replace(
      this.created,
      h(
        'p',
        {},
        h('strong', {}, `“${name}” is ready.`),
        ' Copy its URL now: it is shown only once (rotate the feed to get a new one).',
      ),
      field('Subscription URL', input),
      h('button', { type: 'button', onclick: () => void copy() }, 'Copy URL'),
    );
    input.focus();
    input.select();
  }

  private item(feed: Feed): HTMLElement {
    const scope = feed.channelIds?.length
      ? feed.channelIds.map((id) => channelOf(this.ctx, id)?.name ?? 'archived channel').join(', ')
      : 'All channels';
    const revoke = async () => {
      if (!confirm(`Revoke “${feed.name}”? Calendars subscribed to it stop updating.`)) return;
      try {
        await this.ctx.api.deleteFeed(this.ctx.me.workspace.id, feed.id);
        announce(`Feed “${feed.name}” revoked.`);
        this.created.replaceChildren();
        await this.load();
      } catch (e) {
        if (e instanceof ApiError) announce(e.messages.join(' '), 'error');
        else throw e;
      }
    };
    return h(
      'li',
      { class: 'feed', 'data-feed-id': feed.id },
      h('strong', {}, feed.name),
      h(
        'span',
        { class: 'muted' },
        ` · ${scope}${feed.includeDrafts ? ' · with drafts' : ''}${feed.includeGaps ? ' · with gaps' : ''} · created ${localTime(feed.createdAt)}`,
      ),
      h(
        'button',
        { type: 'button', class: 'danger', onclick: () => void revoke(), 'aria-label': `Revoke feed ${feed.name}` },
        'Revoke',
      ),
    );
  }
}
