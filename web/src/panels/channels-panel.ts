import { ApiError } from '../api/client';
import type { Channel, ChannelRules, MixLimit, PostingSlot } from '../api/types';
import { hasRole, type AppContext } from '../context';
import { announce, field, h, replace } from '../dom';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** A channel's strategy, rules and posting slots: editable by a lead, readable by the others. */
export class ChannelsPanel {
  readonly el = h('section', { class: 'panel channels-panel', 'aria-labelledby': 'channels-title' });
  private readonly picker: HTMLSelectElement;
  private readonly formHost = h('div');

  constructor(private readonly ctx: AppContext) {
    this.picker = h(
      'select',
      { name: 'settings-channel' },
      ctx.channels.map((c) => h('option', { value: c.id }, c.name)),
    );
    this.picker.addEventListener('change', () => this.render());
    this.el.append(
      h('header', {}, h('h2', { id: 'channels-title' }, 'Channel settings')),
      field('Channel', this.picker),
      this.formHost,
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
          'No channels yet: a lead creates them through the API (POST /v1/workspaces/{id}/channels).',
        ),
      );
    this.picker.value = channel.id;
    replace(this.formHost, this.form(channel));
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
    const kpis = text('kpis', (channel.kpis ?? []).join(', '));
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
          kpis: kpis.value
            .split(',')
            .map((k) => k.trim())
            .filter(Boolean),
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
