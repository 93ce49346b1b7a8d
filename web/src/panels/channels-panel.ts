import { ApiError } from '../api/client';
import type { Channel, ChannelRules, MeasurableKpi, MixLimit, PostingSlot } from '../api/types';
import { hasRole, type AppContext } from '../context';
import { announce, field, h, replace } from '../dom';

/** What a measurable KPI may count, as the form names it. */
const KPI_METRICS: readonly [MeasurableKpi['metric'], string][] = [
  ['posts', 'Posts published'],
  ['clicks', 'Clicks'],
  ['engagements', 'Engagements'],
  ['engagementPerPost', 'Engagement per post'],
  ['informativeShare', 'Share of informative posts (0 to 1)'],
];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** A channel's strategy, rules and posting slots: editable by a lead, readable by the others. */
export class ChannelsPanel {
  readonly el = h('section', { class: 'panel channels-panel', 'aria-labelledby': 'channels-title' });
  private readonly picker: HTMLSelectElement;
  private readonly formHost = h('div');
  private readonly connectHost = h('div', { class: 'connect' });

  constructor(private readonly ctx: AppContext) {
    this.picker = h(
      'select',
      { name: 'settings-channel' },
      ctx.channels.map((c) => h('option', { value: c.id }, c.name)),
    );
    this.picker.addEventListener('change', () => this.render());
    this.el.append(
      h('header', {}, h('h2', { id: 'channels-title' }, 'Channel settings')),
      this.connectHost,
      field('Channel', this.picker),
      this.formHost,
    );
    if (hasRole(ctx.me, 'lead')) replace(this.connectHost, this.connectForms());
    this.returnFromConnect();
  }

  /**
   * Back from a platform's sign-in (`#channel=<id>&connected=mastodon`, or
   * `#connect_error=access_denied`): the channel is picked, the Channels tab shown.
   */
  private returnFromConnect(): void {
    const params = new URLSearchParams(location.hash.slice(1));
    const connected = params.get('connected');
    const error = params.get('connect_error');
    if (!connected && !error) return;
    const channelId = params.get('channel');
    if (channelId && this.ctx.channels.some((c) => c.id === channelId)) this.picker.value = channelId;
    const name = this.ctx.channels.find((c) => c.id === channelId)?.name;
    setTimeout(() => {
      document.getElementById('tab-channels')?.click();
      if (connected) announce(`Connected ${name ?? 'the channel'} (${connected}).`);
      else announce('The account was not connected: the authorization was denied.', 'error');
    }, 0);
  }

  private connectForms(): HTMLElement {
    const errors = h('div', { role: 'alert', class: 'form-errors' });
    const fail = (e: unknown) => {
      if (e instanceof ApiError)
        replace(
          errors,
          e.messages.map((m) => h('div', {}, m)),
        );
      else throw e;
    };
    const workspaceId = this.ctx.me.workspace.id;
    const instance = h('input', { type: 'text', name: 'mastodon-instance', placeholder: 'mastodon.social' });
    const handle = h('input', { type: 'text', name: 'bluesky-handle', placeholder: 'alice.bsky.social' });
    const appPassword = h('input', { type: 'password', name: 'bluesky-app-password', autocomplete: 'off' });
    const hookName = h('input', { type: 'text', name: 'webhook-name' });
    const hookUrl = h('input', {
      type: 'url',
      name: 'webhook-url',
      placeholder: 'https://example.com/hooks/palinsesto',
    });
    const hookSecret = h('input', { type: 'password', name: 'webhook-secret', autocomplete: 'off' });
    const added = (channel: Channel, what: string) => {
      this.ctx.channels.push(channel);
      this.picker.append(h('option', { value: channel.id }, channel.name));
      this.picker.value = channel.id;
      announce(`${what}: ${channel.name}.`);
      this.render();
      this.ctx.refresh();
    };
    const form = (legend: string, onsubmit: () => Promise<void>, ...children: (HTMLElement | null)[]) =>
      h(
        'form',
        {
          class: 'connect-form',
          onsubmit: (e: Event) => {
            e.preventDefault();
            errors.replaceChildren();
            onsubmit().catch(fail);
          },
        },
        h('fieldset', {}, h('legend', {}, legend), ...children),
      );
    return h(
      'details',
      { class: 'connect-accounts' },
      h('summary', {}, 'Connect an account'),
      form(
        'Mastodon',
        async () => {
          const { authorizeUrl } = await this.ctx.api.connectMastodon(workspaceId, { instanceUrl: instance.value });
          location.assign(authorizeUrl);
        },
        field('Instance', instance, 'Any Mastodon server; you sign in there and come back here.'),
        h('button', { type: 'submit' }, 'Connect Mastodon'),
      ),
      form(
        'Bluesky',
        async () => {
          const channel = await this.ctx.api.connectBluesky(workspaceId, {
            handle: handle.value,
            appPassword: appPassword.value,
          });
          appPassword.value = '';
          added(channel, 'Connected');
        },
        field('Handle', handle),
        field('App password', appPassword, 'Bluesky: Settings › Privacy and security › App passwords.'),
        h('button', { type: 'submit' }, 'Connect Bluesky'),
      ),
      form(
        'Webhook',
        async () => {
          const channel = await this.ctx.api.createChannel(workspaceId, {
            name: hookName.value,
            platform: 'webhook',
            handle: hookName.value,
            timezone: this.ctx.me.workspace.timezone,
            credentials: { url: hookUrl.value, ...(hookSecret.value ? { secret: hookSecret.value } : {}) },
          });
          hookSecret.value = '';
          added(channel, 'Webhook added');
        },
        field('Name', hookName),
        field('URL', hookUrl),
        field('Secret (signs each delivery)', hookSecret),
        h('button', { type: 'submit' }, 'Add the webhook'),
      ),
      errors,
    );
  }

  /** The channel's connection: its state, and (for a lead) check, reconnect or send a test. */
  private connection(channel: Channel): HTMLElement {
    const lead = hasRole(this.ctx.me, 'lead');
    const c = channel.connection ?? { state: 'unknown' as const, checkedAt: null };
    const label = { ok: 'Connected', broken: 'Broken', unknown: 'Not checked yet' }[c.state];
    const errors = h('div', { role: 'alert', class: 'form-errors' });
    const run = (work: () => Promise<void>) => () => {
      errors.replaceChildren();
      work().catch((e: unknown) => {
        if (e instanceof ApiError)
          replace(
            errors,
            e.messages.map((m) => h('div', {}, m)),
          );
        else throw e;
      });
    };
    const updated = (saved: Channel) => {
      const i = this.ctx.channels.findIndex((x) => x.id === saved.id);
      if (i >= 0) this.ctx.channels[i] = saved;
      this.render();
    };
    const appPassword = h('input', { type: 'password', name: 'reconnect-app-password', autocomplete: 'off' });
    const buttons: HTMLElement[] = [];
    if (lead && channel.platform !== 'webhook' && channel.platform !== 'mock')
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            onclick: run(async () => updated(await this.ctx.api.checkConnection(channel.id))),
          },
          'Check connection',
        ),
      );
    if (lead && channel.platform === 'mastodon')
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: c.state === 'broken' ? 'primary' : '',
            onclick: run(async () => {
              const { authorizeUrl } = await this.ctx.api.connectMastodon(this.ctx.me.workspace.id, {
                channelId: channel.id,
              });
              location.assign(authorizeUrl);
            }),
          },
          'Reconnect',
        ),
      );
    if (lead && channel.platform === 'bluesky')
      buttons.push(
        field('App password', appPassword),
        h(
          'button',
          {
            type: 'button',
            class: c.state === 'broken' ? 'primary' : '',
            onclick: run(async () => {
              const saved = await this.ctx.api.connectBluesky(this.ctx.me.workspace.id, {
                handle: channel.handle,
                appPassword: appPassword.value,
                channelId: channel.id,
              });
              announce(`Reconnected ${saved.name}.`);
              updated(saved);
            }),
          },
          'Reconnect',
        ),
      );
    if (lead && channel.platform === 'webhook')
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            onclick: run(async () => {
              const result = await this.ctx.api.testDelivery(channel.id);
              announce(`Test delivered: the webhook answered ${result.status}.`);
            }),
          },
          'Send a test',
        ),
      );
    return h(
      'div',
      { class: `connection connection-${c.state}`, 'data-testid': 'connection', 'data-state': c.state },
      h(
        'p',
        {},
        h('strong', {}, `Connection: ${label}`),
        c.checkedAt ? ` · checked ${new Date(c.checkedAt).toLocaleString()}` : '',
        c.problem ? ` · ${c.problem}` : '',
      ),
      ...buttons,
      errors,
    );
  }

  render(): void {
    const channel = this.ctx.channels.find((c) => c.id === this.picker.value) ?? this.ctx.channels[0];
    if (!channel)
      return replace(
        this.formHost,
        h(
          'p',
          { class: 'empty' },
          'No channels yet: a lead connects an account above, or creates one through the API (POST /v1/workspaces/{id}/channels).',
        ),
      );
    this.picker.value = channel.id;
    replace(this.formHost, this.connection(channel), this.form(channel));
  }

  private form(channel: Channel): HTMLElement {
    const lead = hasRole(this.ctx.me, 'lead');
    const rules = channel.rules ?? {};
    const cadence = rules.cadence ?? {};
    const mix = rules.mix;
    const text = (name: string, value: string | null | undefined, multiline = false) =>
      multiline
        ? h('textarea', { name, rows: 3, disabled: !lead }, value ?? '')
        : h('input', { type: 'text', name, value: value ?? '', disabled: !lead });
    const num = (name: string, value: number | undefined, min = 0, step = '1') =>
      h('input', { type: 'number', name, min, step, value: value ?? '', disabled: !lead, inputmode: 'numeric' });
    const time = (name: string, value: string | undefined) =>
      h('input', { type: 'time', name, value: value ?? '', disabled: !lead });

    const purpose = text('purpose', channel.purpose, true);
    const audience = text('audience', channel.audience, true);
    const goal = text('goal', channel.goal);
    const kpiItems = channel.kpis ?? [];
    const kpis = text('kpis', kpiItems.filter((k): k is string => typeof k === 'string').join(', '));
    const measurable = h('ul', { class: 'kpi-rows' });
    const addKpi = (kpi?: MeasurableKpi) => {
      const metric = h(
        'select',
        { name: 'kpi-metric', disabled: !lead, 'aria-label': 'What it counts' },
        KPI_METRICS.map(([value, label]) => h('option', { value, selected: kpi?.metric === value }, label)),
      );
      const period = h(
        'select',
        { name: 'kpi-period', disabled: !lead, 'aria-label': 'Per' },
        (['week', 'month'] as const).map((value) => h('option', { value, selected: kpi?.period === value }, value)),
      );
      const target = h('input', {
        type: 'number',
        name: 'kpi-target',
        min: 0,
        step: 'any',
        value: kpi?.target ?? '',
        required: true,
        disabled: !lead,
        'aria-label': 'Target',
      });
      const alertAfter = h('input', {
        type: 'number',
        name: 'kpi-alert-after',
        min: 1,
        max: 52,
        step: 1,
        value: kpi?.alertAfter ?? '',
        disabled: !lead,
        'aria-label': 'Alert after this many missed periods in a row (empty: no alert)',
        placeholder: 'no alert',
      });
      const row: HTMLLIElement = h(
        'li',
        {},
        metric,
        ' per ',
        period,
        ' target ',
        target,
        ' alert after ',
        alertAfter,
        lead
          ? h(
              'button',
              { type: 'button', class: 'link', onclick: () => row.remove(), 'aria-label': 'Remove this KPI' },
              'Remove',
            )
          : null,
      );
      measurable.append(row);
    };
    kpiItems.filter((k): k is MeasurableKpi => typeof k !== 'string').forEach(addKpi);
    const guidelines = text('guidelines', channel.guidelines, true);
    const approval = h('input', {
      type: 'checkbox',
      name: 'approvalRequired',
      checked: channel.approvalRequired,
      disabled: !lead,
    });
    const enforcement = h(
      'select',
      { name: 'enforcement', disabled: !lead },
      h('option', { value: 'warn', selected: rules.enforcement !== 'block' }, 'Warn: save and show violations'),
      h(
        'option',
        { value: 'block', selected: rules.enforcement === 'block' },
        'Block: refuse changes that break a rule',
      ),
    );
    const perWeek = num('postsPerWeek', cadence.postsPerWeek);
    const maxGap = num('maxGapHours', cadence.maxGapHours);
    const perDay = num('maxPostsPerDay', cadence.maxPostsPerDay);
    const spacing = num('minSpacingMinutes', cadence.minSpacingMinutes);
    const quietStart = time('quietStart', cadence.quietHours?.start);
    const quietEnd = time('quietEnd', cadence.quietHours?.end);
    const windowDays = num('mixWindowDays', mix?.windowDays, 1);
    const minPosts = num('mixMinPosts', mix?.minPosts);
    const limits = this.ctx.categories.map((c) => ({
      key: c.key,
      min: num(`mix-${c.key}-min`, pct(mix?.limits[c.key]?.min), 0),
      max: num(`mix-${c.key}-max`, pct(mix?.limits[c.key]?.max), 0),
      name: c.name,
    }));
    const slots = h('ul', { class: 'slots' });
    const addSlot = (slot?: PostingSlot) => {
      const day = h(
        'select',
        { name: 'slot-weekday', disabled: !lead, 'aria-label': 'Weekday' },
        WEEKDAYS.map((d, i) => h('option', { value: i + 1, selected: slot?.weekday === i + 1 }, d)),
      );
      const at = h('input', {
        type: 'time',
        name: 'slot-time',
        value: slot?.time ?? '09:00',
        disabled: !lead,
        'aria-label': 'Time',
      });
      const row: HTMLLIElement = h(
        'li',
        {},
        day,
        at,
        lead
          ? h(
              'button',
              { type: 'button', class: 'link', onclick: () => row.remove(), 'aria-label': 'Remove this slot' },
              'Remove',
            )
          : null,
      );
      slots.append(row);
    };
    (channel.postingSlots ?? []).forEach(addSlot);
    const errors = h('div', { role: 'alert', class: 'form-errors' });

    const save = async () => {
      errors.replaceChildren();
      const cadenceOut: NonNullable<ChannelRules['cadence']> = {};
      setNum(cadenceOut, 'postsPerWeek', perWeek.value);
      setNum(cadenceOut, 'maxGapHours', maxGap.value);
      setNum(cadenceOut, 'maxPostsPerDay', perDay.value);
      setNum(cadenceOut, 'minSpacingMinutes', spacing.value);
      if (quietStart.value && quietEnd.value) cadenceOut.quietHours = { start: quietStart.value, end: quietEnd.value };
      const limitsOut: Record<string, MixLimit> = {};
      for (const l of limits) {
        const limit: MixLimit = {};
        if (l.min.value !== '') limit.min = Number(l.min.value) / 100;
        if (l.max.value !== '') limit.max = Number(l.max.value) / 100;
        if (Object.keys(limit).length) limitsOut[l.key] = limit;
      }
      const rulesOut: ChannelRules = { enforcement: enforcement.value as 'warn' | 'block', cadence: cadenceOut };
      if (windowDays.value)
        rulesOut.mix = {
          windowDays: Number(windowDays.value),
          ...(minPosts.value ? { minPosts: Number(minPosts.value) } : {}),
          limits: limitsOut,
        };
      const postingSlots = [...slots.querySelectorAll('li')].map((li) => ({
        weekday: Number(li.querySelector('select')!.value),
        time: li.querySelector('input')!.value,
      }));
      try {
        const saved = await this.ctx.api.updateChannel(channel, {
          purpose: purpose.value,
          audience: audience.value,
          goal: goal.value,
          kpis: [
            ...kpis.value
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean),
            ...[...measurable.querySelectorAll('li')].map((li): MeasurableKpi => {
              const value = (name: string) => li.querySelector<HTMLInputElement>(`[name="${name}"]`)!.value;
              const after = value('kpi-alert-after');
              return {
                metric: value('kpi-metric') as MeasurableKpi['metric'],
                period: value('kpi-period') as MeasurableKpi['period'],
                target: Number(value('kpi-target')),
                ...(after ? { alertAfter: Number(after) } : {}),
              };
            }),
          ],
          guidelines: guidelines.value,
          approvalRequired: approval.checked,
          rules: rulesOut,
          postingSlots,
        });
        const i = this.ctx.channels.findIndex((c) => c.id === saved.id);
        this.ctx.channels[i] = saved;
        announce(`Settings of ${saved.name} saved.`);
        this.render();
        this.ctx.refresh();
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
        class: 'channel-form',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void save();
        },
      },
      h(
        'p',
        { class: 'muted' },
        `${channel.platform} · ${channel.handle} · ${channel.timezone}${lead ? '' : ' · only a lead can change these settings'}`,
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Strategy'),
        field('Purpose', purpose),
        field('Audience', audience),
        field('Goal', goal),
        field('KPIs (comma separated)', kpis),
        h('p', { class: 'muted' }, 'Measurable KPIs: a target per week or month, shown against the actual in Reports.'),
        measurable,
        lead ? h('button', { type: 'button', onclick: () => addKpi() }, 'Add a measurable KPI') : null,
        field('Guidelines (shown in the composer)', guidelines),
        h('label', { class: 'check' }, approval, ' Posts need a lead’s approval'),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Cadence'),
        field('Enforcement', enforcement),
        h(
          'div',
          { class: 'grid2' },
          field('Posts per week (at least)', perWeek),
          field('Largest gap (hours)', maxGap),
          field('Most posts per day', perDay),
          field('Least spacing (minutes)', spacing),
          field('Quiet hours from', quietStart),
          field('Quiet hours until', quietEnd),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Content mix'),
        h(
          'div',
          { class: 'grid2' },
          field('Rolling window (days; empty: no mix rule)', windowDays),
          field('Least posts in a window to check', minPosts),
        ),
        h(
          'table',
          { class: 'limits' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Category'),
              h('th', { scope: 'col' }, 'At least %'),
              h('th', { scope: 'col' }, 'At most %'),
            ),
          ),
          h(
            'tbody',
            {},
            limits.map((l) => {
              l.min.setAttribute('aria-label', `${l.name}: at least %`);
              l.max.setAttribute('aria-label', `${l.name}: at most %`);
              return h('tr', {}, h('th', { scope: 'row' }, l.name), h('td', {}, l.min), h('td', {}, l.max));
            }),
          ),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, `Posting slots (${channel.timezone})`),
        slots,
        lead ? h('button', { type: 'button', onclick: () => addSlot() }, 'Add a slot') : null,
      ),
      errors,
      lead ? h('button', { type: 'submit', class: 'primary' }, 'Save settings') : null,
    );
  }
}

function pct(share: number | undefined): number | undefined {
  return share === undefined ? undefined : Math.round(share * 1000) / 10;
}

function setNum<T extends object>(target: T, key: keyof T, value: string): void {
  if (value !== '') (target as Record<string, unknown>)[key as string] = Number(value);
}
