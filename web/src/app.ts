import { Api, ApiError } from './api/client';
import { CalendarPage } from './calendar/calendar-page';
import { Composer } from './composer/composer';
import type { AppContext, ComposeOptions } from './context';
import { announce, field, h, replace } from './dom';
import { AlertsPanel } from './panels/alerts-panel';
import { ChannelsPanel } from './panels/channels-panel';
import { FeedsPanel } from './panels/feeds-panel';
import { session } from './session';

const ROLE_LABEL = { viewer: 'Viewer', editor: 'Editor', lead: 'Lead' } as const;

/** The page: sign-in, then the calendar with its panels. */
export class App {
  constructor(private readonly root: HTMLElement) {}

  async start(): Promise<void> {
    const key = session.key();
    if (!key) return this.signInForm();
    try {
      await this.signedIn(new Api(key));
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        session.signOut();
        return this.signInForm('That api key is not valid (any more). Paste a current one.');
      }
      const message = e instanceof ApiError ? e.messages.join(' ') : 'The page could not start.';
      replace(
        this.root,
        h(
          'main',
          { class: 'signin' },
          h('p', { role: 'alert' }, message),
          h('button', { type: 'button', onclick: () => location.reload() }, 'Try again'),
        ),
      );
    }
  }

  private signInForm(error?: string): void {
    const key = h('input', {
      type: 'password',
      name: 'apiKey',
      autocomplete: 'off',
      required: true,
      spellcheck: false,
    });
    const errors = h('p', { role: 'alert', class: 'form-errors' }, error ?? '');
    const form = h(
      'form',
      {
        class: 'signin-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          const value = key.value.trim();
          if (!value) return key.focus();
          session.signIn(value);
          void this.start();
        },
      },
      h('h1', {}, 'Palinsesto'),
      h('p', {}, 'The editorial calendar that keeps every channel steady and every post on time.'),
      field('Your api key', key, 'Kept in this browser tab only, until you sign out or close it.'),
      errors,
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    );
    replace(this.root, h('main', { class: 'signin' }, form));
    key.focus();
  }

  private async signedIn(api: Api): Promise<void> {
    const me = await api.me();
    const [channels, categories] = await Promise.all([api.channels(me.workspace.id), api.categories(me.workspace.id)]);
    let composer: Composer | null = null;
    const panels: { calendar?: CalendarPage; alerts?: AlertsPanel; feeds?: FeedsPanel } = {};
    const ctx: AppContext = {
      api,
      me,
      channels,
      categories,
      compose: (options: ComposeOptions) => composer?.open(options),
      refresh: () => {
        panels.calendar?.refresh();
        void panels.alerts?.load();
      },
    };
    composer = new Composer(ctx);
    const calendar = (panels.calendar = new CalendarPage(ctx));
    const alerts = (panels.alerts = new AlertsPanel(ctx));
    const feeds = (panels.feeds = new FeedsPanel(ctx));
    const settings = new ChannelsPanel(ctx);

    const tabs = [
      { id: 'calendar', label: 'Calendar', el: calendar.el },
      { id: 'alerts', label: 'Alerts', el: alerts.el },
      { id: 'feeds', label: 'Feeds', el: feeds.el },
      { id: 'channels', label: 'Channels', el: settings.el },
    ];
    const badge = h('span', { class: 'badge', hidden: true });
    alerts.onCount = (n) => {
      badge.hidden = n === 0;
      badge.textContent = String(n);
      badge.setAttribute('aria-label', `${n} open`);
    };
    const tabButtons = tabs.map((t) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${t.id}`,
          'aria-controls': `panel-${t.id}`,
          'data-tab': t.id,
          onclick: () => show(t.id),
        },
        t.label,
        t.id === 'alerts' ? badge : null,
      ),
    );
    const tabPanels = tabs.map((t) =>
      h('div', { role: 'tabpanel', id: `panel-${t.id}`, 'aria-labelledby': `tab-${t.id}`, hidden: true }, t.el),
    );
    const show = (id: string) => {
      tabs.forEach((t, i) => {
        const selected = t.id === id;
        tabButtons[i]!.setAttribute('aria-selected', String(selected));
        tabButtons[i]!.tabIndex = selected ? 0 : -1;
        tabPanels[i]!.hidden = !selected;
      });
      if (id === 'alerts') void alerts.load();
      if (id === 'feeds') void feeds.load();
      if (id === 'channels') settings.render();
      history.replaceState(null, '', `#${id}`);
    };
    const tabList = h('nav', { role: 'tablist', 'aria-label': 'Sections', class: 'tabs' }, tabButtons);
    tabList.addEventListener('keydown', (e) => {
      const i = tabButtons.indexOf(document.activeElement as HTMLButtonElement);
      if (i < 0 || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
      const next = tabButtons[(i + (e.key === 'ArrowRight' ? 1 : tabButtons.length - 1)) % tabButtons.length]!;
      next.focus();
      next.click();
    });

    replace(
      this.root,
      h(
        'header',
        { class: 'top' },
        h('span', { class: 'brand' }, 'Palinsesto'),
        h('span', { class: 'workspace' }, me.workspace.name),
        h('span', { class: 'who', 'data-testid': 'who' }, `${me.name} · ${ROLE_LABEL[me.role]}`),
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              session.signOut();
              location.hash = '';
              location.reload();
            },
          },
          'Sign out',
        ),
      ),
      tabList,
      h('main', {}, tabPanels),
    );
    const initial = tabs.some((t) => `#${t.id}` === location.hash) ? location.hash.slice(1) : 'calendar';
    show('calendar');
    calendar.mount();
    if (initial !== 'calendar') show(initial);
    void alerts.load();
    if (channels.length === 0) announce('This workspace has no channels yet: a lead creates them through the API.');
  }
}
