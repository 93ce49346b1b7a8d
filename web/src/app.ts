import { Api, ApiError } from './api/client';
import type { Me, SignedInMe } from './api/types';
import { AuthScreens, emailLink } from './auth/auth-screens';
import { CalendarPage } from './calendar/calendar-page';
import { Composer } from './composer/composer';
import type { AppContext, ComposeOptions } from './context';
import { announce, h, replace } from './dom';
import { AlertsPanel } from './panels/alerts-panel';
import { ChannelsPanel } from './panels/channels-panel';
import { FeedsPanel } from './panels/feeds-panel';
import { MembersPanel } from './panels/members-panel';
import { TokensPanel } from './panels/tokens-panel';
import { ReportsPanel } from './reports/reports-panel';
import { session } from './session';

const ROLE_LABEL = { viewer: 'Viewer', editor: 'Editor', lead: 'Lead' } as const;

/** The page: sign-in (by session cookie), then the calendar with its panels. */
export class App {
  private readonly api = new Api();
  private readonly auth: AuthScreens;
  /** Set once a request answered 401: the page goes back to sign-in once, not for every pending request. */
  private signedOut = false;

  constructor(private readonly root: HTMLElement) {
    this.auth = new AuthScreens(root, this.api, () => void this.afterSignIn());
    this.api.onUnauthenticated = () => {
      if (this.signedOut) return;
      this.signedOut = true;
      this.api.workspaceId = null;
      document.querySelector('dialog[open]')?.remove();
      this.auth.signIn('You are signed out: your session ended or your membership was removed. Sign in again.');
    };

    // A link from an email opened in a tab that already shows the page changes only the fragment.
    window.addEventListener('hashchange', () => {
      if (emailLink(location.hash)) void this.start();
    });
  }

  async start(): Promise<void> {
    const link = emailLink(location.hash);
    if (link) {
      // The token leaves the address bar (and the history) before anything else happens.
      history.replaceState(null, '', location.pathname);
      await this.auth.load();
      if (link.kind === 'invitation') return this.auth.invitation(link.token);
      if (link.kind === 'reset') return this.auth.reset(link.token);
      return this.auth.verify(link.token);
    }
    try {
      const pending = session.pendingInvitation();
      if (pending) {
        // Back from single sign-on with an invitation to accept.
        session.dropInvitation();
        await this.api.acceptInvitation(pending, {}).catch((e: unknown) => {
          if (e instanceof ApiError && e.status !== 401) announce(e.messages.join(' '), 'error');
        });
      }
      let me = await this.whoAmI();
      if (me === null) return;
      const chosen = session.workspace();
      const wanted = me.memberships?.find((m) => m.workspaceId === chosen);
      if (wanted && me.workspace?.id !== wanted.workspaceId) {
        this.api.workspaceId = wanted.workspaceId;
        me = await this.whoAmI();
        if (me === null) return;
      }
      if (!me.workspace || !me.memberId || !me.role || !me.name) return this.noWorkspace(me);
      this.api.workspaceId = me.workspace.id;
      this.signedOut = false;
      await this.signedIn(this.api, me as Me);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return; // onUnauthenticated shows sign-in
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

  /** `/v1/me` by cookie; null (and the sign-in screen) when not signed in. */
  private async whoAmI(): Promise<SignedInMe | null> {
    try {
      return await this.api.whoAmI();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      this.signedOut = true;
      await this.auth.load();
      this.auth.signIn();
      return null;
    }
  }

  private async afterSignIn(): Promise<void> {
    this.signedOut = false;
    this.api.workspaceId = null;
    if (!['#calendar', '#alerts', '#reports', '#feeds', '#channels', '#members', '#tokens'].includes(location.hash))
      history.replaceState(null, '', location.pathname);
    await this.start();
  }

  private async signOut(everywhere: boolean): Promise<void> {
    try {
      if (everywhere) {
        const { ended } = await this.api.signOutEverywhere();
        announce(`Signed out of ${ended} session${ended === 1 ? '' : 's'}.`);
      } else await this.api.signOut();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) {
        announce(e instanceof ApiError ? e.messages.join(' ') : 'Could not sign out. Try again.', 'error');
        return;
      }
    }
    this.signedOut = true;
    this.api.workspaceId = null;
    session.forgetWorkspace();
    history.replaceState(null, '', location.pathname);
    this.auth.signIn(everywhere ? 'You are signed out on every device.' : 'You are signed out.', 'info');
  }

  /** A user in no workspace (e.g. first single sign-on): they wait for an invitation. */
  private noWorkspace(me: SignedInMe): void {
    replace(
      this.root,
      h(
        'main',
        { class: 'signin' },
        h(
          'div',
          { class: 'signin-form' },
          h('h1', {}, 'Palinsesto'),
          h('p', { 'data-testid': 'who' }, `Signed in as ${me.user?.name ?? ''} (${me.user?.email ?? ''}).`),
          h(
            'p',
            {},
            'You are not a member of any workspace yet. Ask a lead of your team to invite this email address; the invitation link brings you in.',
          ),
          h('button', { type: 'button', onclick: () => void this.signOut(false) }, 'Sign out'),
        ),
      ),
    );
  }

  private async signedIn(api: Api, me: Me): Promise<void> {
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
    const reports = new ReportsPanel(ctx);
    const settings = new ChannelsPanel(ctx);
    const members = me.role === 'lead' ? new MembersPanel(ctx) : null;
    const tokens = me.via === 'session' ? new TokensPanel(ctx) : null;

    const tabs = [
      { id: 'calendar', label: 'Calendar', el: calendar.el },
      { id: 'alerts', label: 'Alerts', el: alerts.el },
      { id: 'reports', label: 'Reports', el: reports.el },
      { id: 'feeds', label: 'Feeds', el: feeds.el },
      { id: 'channels', label: 'Channels', el: settings.el },
      ...(members ? [{ id: 'members', label: 'Members', el: members.el }] : []),
      ...(tokens ? [{ id: 'tokens', label: 'Access tokens', el: tokens.el }] : []),
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
      if (id === 'reports') void reports.load();
      if (id === 'channels') settings.render();
      if (id === 'members') void members?.load();
      if (id === 'tokens') void tokens?.load();
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
        this.workspaceSwitcher(me),
        h('span', { class: 'who', 'data-testid': 'who' }, `${me.name} · ${ROLE_LABEL[me.role]}`),
        h('button', { type: 'button', class: 'link', onclick: () => void this.signOut(false) }, 'Sign out'),
        h('button', { type: 'button', class: 'link', onclick: () => void this.signOut(true) }, 'Sign out everywhere'),
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

  /** The workspace's name, or a choice among the user's workspaces: choosing one reloads the page in it. */
  private workspaceSwitcher(me: Me): HTMLElement {
    const memberships = me.memberships ?? [];
    if (memberships.length < 2) return h('span', { class: 'workspace' }, me.workspace.name);
    const select = h(
      'select',
      { class: 'workspace-switcher', 'aria-label': 'Workspace', name: 'workspace' },
      memberships.map((m) =>
        h(
          'option',
          { value: m.workspaceId, selected: m.workspaceId === me.workspace.id },
          `${m.workspaceName} (${ROLE_LABEL[m.role]})`,
        ),
      ),
    );
    select.addEventListener('change', () => {
      session.chooseWorkspace(select.value);
      if (location.hash === '#members' || location.hash === '#tokens')
        history.replaceState(null, '', location.pathname);
      location.reload();
    });
    return select;
  }
}
