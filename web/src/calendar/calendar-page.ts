import { Calendar, type EventDropInfo, type EventInput } from 'fullcalendar';
import dayGridPlugin from 'fullcalendar/daygrid';
import interactionPlugin from 'fullcalendar/interaction';
import listPlugin from 'fullcalendar/list';
import timeGridPlugin from 'fullcalendar/timegrid';
import classicThemePlugin from 'fullcalendar/themes/classic';
import { ApiError } from '../api/client';
import type { Post } from '../api/types';
import { announce, field, h, replace } from '../dom';
import { hasRole, type AppContext } from '../context';
import { bothZones, localRange, viewerZone } from '../time';
import { GAP_LABEL, STATUS_LABEL, toEvents, type EventData } from './events';
import { mixBars } from './mix-bars';
import { Tooltip } from './tooltip';

const NARROW = 640;

/** Month, week and list views of the workspace's plan, with gaps, violations and the mix. */
export class CalendarPage {
  readonly el: HTMLElement;
  private readonly calendarEl = h('div', { class: 'calendar', 'data-state': 'loading' });
  private readonly mixEl = h('aside', { class: 'mix-panel' });
  private readonly refusalEl = h('div', { class: 'refusal', role: 'alert', hidden: true });
  private readonly channelFilter: HTMLSelectElement;
  private readonly tooltip = new Tooltip();
  private calendar: Calendar | null = null;

  constructor(private readonly ctx: AppContext) {
    this.channelFilter = h(
      'select',
      { name: 'channel' },
      h('option', { value: '' }, 'All channels'),
      ctx.channels.map((c) => h('option', { value: c.id }, c.name)),
    );
    this.channelFilter.addEventListener('change', () => this.refresh());
    const newPost = hasRole(ctx.me, 'editor')
      ? h(
          'button',
          {
            type: 'button',
            class: 'primary',
            onclick: () => ctx.compose({ channelId: this.channelFilter.value || undefined }),
          },
          'New post',
        )
      : null;
    this.el = h(
      'section',
      { class: 'calendar-page', 'aria-label': 'Calendar' },
      h('div', { class: 'toolbar' }, field('Show channel', this.channelFilter), newPost, legend()),
      this.refusalEl,
      h('div', { class: 'calendar-layout' }, this.calendarEl, this.mixEl),
    );
  }

  /** Renders FullCalendar; call once the element is in the document. */
  mount(): void {
    const canEdit = hasRole(this.ctx.me, 'editor');
    this.calendar = new Calendar(this.calendarEl, {
      plugins: [dayGridPlugin, timeGridPlugin, listPlugin, interactionPlugin, classicThemePlugin],
      initialView: window.innerWidth < NARROW ? 'listMonth' : 'dayGridMonth',
      headerToolbar: { start: 'prev,next today', center: 'title', end: 'dayGridMonth,timeGridWeek,listMonth' },
      firstDay: 1,
      nowIndicator: true,
      dayMaxEvents: 4,
      eventDisplay: 'block',
      height: 'auto',
      editable: canEdit,
      eventDurationEditable: false,
      eventTimeFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
      slotHeaderFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
      events: (info, success, failure) => {
        this.load(info.startStr, info.endStr).then(success, failure);
      },
      loading: (isLoading) => {
        if (isLoading) this.calendarEl.dataset.state = 'loading';
        // Ready once the events are on screen (after the next paint): what a person sees, and
        // the mark the browser tests read to measure how fast the page loads.
        else requestAnimationFrame(() => requestAnimationFrame(() => this.ready()));
      },
      eventDidMount: ({ el, event, view }) => {
        const data = event.extendedProps as EventData;
        this.decorate(el, data);
        if (view.type === 'dayGridMonth' && data.type === 'post') this.thumbnail(el, data.post);
      },
      eventWillUnmount: ({ el }) => {
        if (el.dataset.thumbUrl) URL.revokeObjectURL(el.dataset.thumbUrl);
      },
      backgroundEventDidMount: ({ el, event }) => this.decorate(el, event.extendedProps as EventData),
      // Shading only: the legend names it, and the title attribute says which channel.
      backgroundEventContent: () => '',
      eventClick: ({ event, jsEvent }) => {
        jsEvent.preventDefault();
        const data = event.extendedProps as EventData;
        if (data.type === 'post') this.ctx.compose({ post: data.post });
      },
      dateClick: canEdit ? ({ date, allDay }) => this.composeAt(date, allDay) : undefined,
      eventDrop: (info) => void this.moved(info),
    });
    this.calendar.render();
  }

  private ready(): void {
    this.calendarEl.dataset.state = 'ready';
    if (performance.getEntriesByName('palinsesto:calendar-ready').length === 0)
      performance.mark('palinsesto:calendar-ready');
  }

  refresh(): void {
    this.calendar?.refetchEvents();
  }

  private async load(from: string, to: string): Promise<EventInput[]> {
    const calendar = await this.ctx.api
      .calendar(this.ctx.me.workspace.id, from, to, this.channelFilter.value || undefined)
      .catch((e: unknown) => {
        announce(e instanceof ApiError ? e.messages.join(' ') : 'The calendar could not be loaded.', 'error');
        throw e;
      });
    replace(this.mixEl, mixBars(calendar.channels, this.ctx.categories));
    return toEvents(calendar, this.ctx.categories, this.ctx.me.role, viewerZone);
  }

  /** Tooltip (hover and focus), keyboard access and an accessible name for every chip. */
  private decorate(el: HTMLElement, data: EventData): void {
    if (data.type === 'gap') {
      el.dataset.gapKind = data.gap.kind;
      el.setAttribute(
        'title',
        `${GAP_LABEL[data.gap.kind]} on ${data.channel.name}: ${localRange(data.gap.from, data.gap.to)}`,
      );
      return;
    }
    const { post, channel, violations } = data;
    el.dataset.postId = post.id;
    el.dataset.status = post.status;
    el.tabIndex = 0;
    el.setAttribute('role', 'button');
    el.setAttribute(
      'aria-label',
      `${channel.name}, ${STATUS_LABEL[post.status]}, ${post.category}, ${bothZones(post.scheduledAt!, channel.timezone)}: ${post.title ?? post.body}`,
    );
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.ctx.compose({ post });
      }
    });
    this.tooltip.attach(el, () => [
      h('strong', {}, `${channel.name} · ${STATUS_LABEL[post.status]} · ${post.category}`),
      bothZones(post.scheduledAt!, channel.timezone),
      post.title ?? post.body.slice(0, 140),
      ...violations.map((v) => h('div', { class: 'violation' }, `⚠ ${v.message}`)),
      post.lastError ? h('div', { class: 'violation' }, post.lastError) : '',
    ]);
  }

  /**
   * A small thumbnail of the post's first image on its month chip, loaded with the page's
   * authentication (an <img src> cannot send it) and revoked when the chip goes.
   */
  private thumbnail(el: HTMLElement, post: Post): void {
    const first = post.media?.find((m) => 'id' in m && m.id);
    if (!first) return;
    void this.ctx.api.mediaObjectUrl(`/v1/media/${first.id}/thumbnail`).then(
      (url) => {
        if (!el.isConnected) return URL.revokeObjectURL(url);
        el.dataset.thumbUrl = url;
        const img = h('img', { class: 'chip-thumb', src: url, alt: '', width: 20, height: 20 });
        (el.querySelector('.fc-event-main') ?? el).prepend(img);
      },
      () => undefined, // a video (no thumbnail) or a file gone: the chip stays as it is
    );
  }

  private composeAt(date: Date, allDay: boolean): void {
    const at = new Date(date);
    if (allDay) at.setHours(9, 0, 0, 0);
    this.ctx.compose({ channelId: this.channelFilter.value || undefined, scheduledAt: at.toISOString() });
  }

  /**
   * A drag: a scheduled post is rescheduled (the rules run; a refusal snaps it back with the
   * violation's message, and a lead may override it with a reason), a post not yet in the
   * schedule simply gets its new planned time.
   */
  private async moved(info: EventDropInfo): Promise<void> {
    const data = info.event.extendedProps as EventData;
    if (data.type !== 'post' || !info.event.start) return info.revert();
    const { post } = data;
    const scheduledAt = info.event.start.toISOString();
    this.hideRefusal();
    try {
      const saved =
        post.status === 'scheduled'
          ? await this.ctx.api.act(post, 'schedule', { scheduledAt })
          : await this.ctx.api.updatePost(post, { scheduledAt });
      if (saved.violations?.length)
        announce(`Moved, with warnings: ${saved.violations.map((v) => v.message).join(' ')}`);
      else announce('Post moved.');
      this.ctx.refresh();
    } catch (e) {
      info.revert();
      if (!(e instanceof ApiError)) throw e;
      this.showRefusal(e, post, scheduledAt);
    }
  }

  private showRefusal(error: ApiError, post: Post, scheduledAt: string): void {
    const canOverride = error.status === 422 && hasRole(this.ctx.me, 'lead') && post.status === 'scheduled';
    const reason = h('input', { type: 'text', name: 'override-reason', maxlength: 1000, required: true });
    const overrideForm = canOverride
      ? h(
          'form',
          {
            class: 'override',
            onsubmit: (e: Event) => {
              e.preventDefault();
              if (!reason.value.trim()) return reason.focus();
              void this.override(post, scheduledAt, reason.value.trim());
            },
          },
          field('Override reason (kept in the audit trail)', reason),
          h('button', { type: 'submit' }, 'Move anyway'),
        )
      : null;
    replace(
      this.refusalEl,
      h('strong', {}, error.status === 422 ? 'The move breaks a rule and was not saved.' : 'The move was not saved.'),
      h(
        'ul',
        {},
        error.messages.map((m) => h('li', {}, m)),
      ),
      overrideForm,
      h('button', { type: 'button', class: 'link', onclick: () => this.hideRefusal() }, 'Dismiss'),
    );
    this.refusalEl.hidden = false;
  }

  private async override(post: { id: string; version: number }, scheduledAt: string, reason: string): Promise<void> {
    try {
      await this.ctx.api.act(post, 'schedule', { scheduledAt, override: { reason } });
      this.hideRefusal();
      announce('Post moved with an override.');
      this.ctx.refresh();
    } catch (e) {
      if (e instanceof ApiError) announce(e.messages.join(' '), 'error');
      else throw e;
    }
  }

  private hideRefusal(): void {
    this.refusalEl.hidden = true;
    this.refusalEl.replaceChildren();
  }
}

function legend(): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    h('li', {}, h('span', { class: 'swatch gap-planned_gap' }), 'No post planned'),
    h('li', {}, h('span', { class: 'swatch gap-under_cadence' }), 'Week below cadence'),
    h('li', {}, h('span', { class: 'swatch has-violation' }, '⚠'), 'Breaks a rule'),
  );
}
