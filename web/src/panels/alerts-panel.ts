import { ApiError } from '../api/client';
import type { Alert } from '../api/types';
import { channelOf, hasRole, type AppContext } from '../context';
import { announce, h, replace } from '../dom';
import { localRange, localTime } from '../time';

const KIND_LABEL: Record<Alert['kind'], string> = {
  planned_gap: 'Planned gap',
  under_cadence: 'Below cadence',
  inactivity: 'Inactive channel',
  publish_failed: 'Publishing failed',
  connection_broken: 'Connection broken',
  kpi_missed: 'KPI missed',
};

/** The alerts about a hole in the plan, which a post can fill. */
const FILLABLE: readonly Alert['kind'][] = ['planned_gap', 'under_cadence'];

/** Open alerts, each gap with "Fill this gap": the composer at the first free slot inside it. */
export class AlertsPanel {
  readonly el = h('section', { class: 'panel alerts-panel', 'aria-labelledby': 'alerts-title' });
  private readonly list = h('div', { class: 'alert-list', 'aria-live': 'polite' });
  /** Called with the number of open alerts after each load (for the tab's badge). */
  onCount: (n: number) => void = () => undefined;

  constructor(private readonly ctx: AppContext) {
    this.el.append(
      h(
        'header',
        {},
        h('h2', { id: 'alerts-title' }, 'Open alerts'),
        h('button', { type: 'button', onclick: () => void this.load() }, 'Refresh'),
      ),
      h(
        'p',
        { class: 'muted' },
        'Gaps in the plan ahead, weeks below the cadence, quiet channels and failed publications. An alert resolves by itself once the gap is filled.',
      ),
      this.list,
    );
  }

  async load(): Promise<void> {
    try {
      const alerts = await this.ctx.api.alerts(this.ctx.me.workspace.id, 'open');
      this.onCount(alerts.length);
      replace(
        this.list,
        alerts.length
          ? h(
              'ul',
              {},
              alerts.map((a) => this.item(a)),
            )
          : h('p', { class: 'empty' }, 'No open alerts: every channel has its plan.'),
      );
    } catch (e) {
      if (e instanceof ApiError) replace(this.list, h('p', { role: 'alert' }, e.messages.join(' ')));
      else throw e;
    }
  }

  private item(alert: Alert): HTMLElement {
    const channel = channelOf(this.ctx, alert.channelId);
    const fillable = FILLABLE.includes(alert.kind) && hasRole(this.ctx.me, 'editor') && channel;
    return h(
      'li',
      { class: `alert alert-${alert.kind}`, 'data-alert-id': alert.id },
      h(
        'div',
        { class: 'alert-head' },
        h('strong', {}, KIND_LABEL[alert.kind]),
        ' · ',
        channel?.name ?? 'archived channel',
        h('span', { class: 'muted' }, ` · opened ${localTime(alert.openedAt)}`),
      ),
      h('p', {}, alert.message),
      h('p', { class: 'muted' }, localRange(alert.from, alert.to)),
      alert.delivery === 'settling' && alert.settlesAt
        ? h(
            'p',
            { class: 'alert-settling' },
            `Not sent yet: the leads hear of it at ${localTime(alert.settlesAt)} if it is still open then.`,
          )
        : null,
      fillable
        ? h('button', { type: 'button', class: 'primary', onclick: () => void this.fill(alert) }, 'Fill this gap')
        : null,
    );
  }

  /** The composer, opened at the first free time that fills the gap (the one its email offered). */
  private async fill(alert: Alert): Promise<void> {
    const channel = channelOf(this.ctx, alert.channelId)!;
    try {
      const { category, slots } = await this.ctx.api.suggestedSlots(this.ctx.me.workspace.id, alert.id);
      if (!slots[0])
        return announce(
          'No free time fits the channel’s rules in the next year: relax a rule, or pick a time and override.',
          'error',
        );
      this.ctx.compose({
        channelId: channel.id,
        scheduledAt: slots[0],
        category: category ?? undefined,
        note: `Filling: ${alert.message}`,
      });
    } catch (e) {
      if (e instanceof ApiError) announce(e.messages.join(' '), 'error');
      else throw e;
    }
  }
}
