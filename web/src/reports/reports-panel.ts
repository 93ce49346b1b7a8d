import { ApiError } from '../api/client';
import type { ChannelReport, WorkspaceReport } from '../api/types';
import type { AppContext } from '../context';
import { announce, field, h, nextId, replace } from '../dom';
import { channelCharts, type ChartModel } from './chart-options';
import type { DrawnChart } from './charts';
import { formatChange, formatValue, kpiRows, reasonFlag, reportFigures, type Figure } from './figures';
import { customDays, daysLabel, presetDays, PRESET_LABEL, type Days, type PeriodPreset } from './period';

const WORKSPACE = 'workspace';

/**
 * The Reports view: a channel's health report (discipline, mix, engagement, clicks, best
 * times, KPIs, each against the previous period) or the workspace's overview (a table of
 * channels), for a period picked in the channel's (workspace's) zone, with its CSV.
 */
export class ReportsPanel {
  readonly el = h('section', { class: 'panel reports-panel', 'aria-labelledby': 'reports-title' });
  private readonly scope = h('select', { name: 'report-scope' });
  private readonly preset = h('select', { name: 'report-period' });
  private readonly from = h('input', { type: 'date', name: 'report-from' });
  private readonly to = h('input', { type: 'date', name: 'report-to' });
  private readonly custom = h('div', { class: 'report-custom', hidden: true });
  private readonly csv = h('button', { type: 'button', onclick: () => void this.downloadCsv() }, 'Download CSV');
  private readonly body = h('div', { class: 'report-body', 'aria-live': 'polite', 'data-state': 'idle' });
  private drawn: DrawnChart[] = [];
  /** Counts renders, so charts whose library arrives after the view moved on are not drawn. */
  private renders = 0;
  /** Answers of an older request are dropped when the member has asked for another one since. */
  private request = 0;

  constructor(private readonly ctx: AppContext) {
    this.scope.append(
      h('option', { value: WORKSPACE }, `All channels (${ctx.me.workspace.name})`),
      ...ctx.channels.map((c) => h('option', { value: c.id }, `${c.name} (${c.platform})`)),
    );
    for (const [value, label] of Object.entries(PRESET_LABEL)) this.preset.append(h('option', { value }, label));
    this.scope.addEventListener('change', () => void this.load());
    this.preset.addEventListener('change', () => {
      this.custom.hidden = this.preset.value !== 'custom';
      // Custom starts from the days last shown (load() keeps them in the inputs).
      if (this.preset.value === 'custom') this.from.focus();
      else void this.load();
    });
    this.custom.append(
      field('From', this.from),
      field('To (inclusive)', this.to),
      h('button', { type: 'submit', class: 'primary' }, 'Show'),
    );
    this.el.append(
      h('header', {}, h('h2', { id: 'reports-title' }, 'Reports')),
      h(
        'p',
        { class: 'muted' },
        'How each channel kept its plan and what came back: cadence, mix, engagement, clicks and the best times, each against the period before.',
      ),
      h(
        'form',
        {
          class: 'report-controls',
          onsubmit: (e: Event) => {
            e.preventDefault();
            void this.load();
          },
        },
        field('Report for', this.scope),
        field('Period', this.preset),
        this.custom,
        this.csv,
      ),
      this.body,
    );
  }

  /** The zone the period is counted in: the channel's, or the workspace's for the overview. */
  private zone(): string {
    const channel = this.ctx.channels.find((c) => c.id === this.scope.value);
    return channel?.timezone ?? this.ctx.me.workspace.timezone;
  }

  private days(): Days | { problem: string } {
    const preset = this.preset.value as PeriodPreset;
    if (preset === 'custom') return customDays(this.from.value, this.to.value);
    return presetDays(preset, new Date(), this.zone());
  }

  private path(): string {
    return this.scope.value === WORKSPACE
      ? `/v1/workspaces/${this.ctx.me.workspace.id}/report`
      : `/v1/channels/${this.scope.value}/report`;
  }

  async load(): Promise<void> {
    const days = this.days();
    if ('problem' in days) {
      replace(this.body, h('p', { role: 'alert' }, days.problem));
      this.body.dataset.state = 'error';
      return;
    }
    if (this.preset.value !== 'custom') {
      this.from.value = days.from;
      this.to.value = days.to;
    }
    const request = ++this.request;
    this.body.dataset.state = 'loading';
    this.body.setAttribute('aria-busy', 'true');
    try {
      const report =
        this.scope.value === WORKSPACE
          ? await this.ctx.api.workspaceReport(this.ctx.me.workspace.id, days)
          : await this.ctx.api.channelReport(this.scope.value, days);
      if (request !== this.request) return;
      this.dispose();
      if ('workspace' in report) this.renderWorkspace(report);
      else this.renderChannel(report);
      this.body.dataset.state = 'ready';
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (request !== this.request) return;
      this.dispose();
      replace(this.body, h('p', { role: 'alert' }, e.messages.join(' ')));
      this.body.dataset.state = 'error';
    } finally {
      if (request === this.request) this.body.removeAttribute('aria-busy');
    }
  }

  private dispose(): void {
    this.renders++;
    for (const d of this.drawn) d.dispose();
    this.drawn = [];
  }

  private renderChannel(report: ChannelReport): void {
    const flag = reasonFlag(report);
    const charts = channelCharts(report, this.ctx.categories);
    const kpis = kpiRows(report.kpis);
    replace(
      this.body,
      h('h3', {}, `${report.channel.name} · ${daysLabel(report.period)}`),
      h(
        'p',
        { class: 'muted' },
        `Days in ${report.channel.timezone}; changes are against ${daysLabel(report.previousPeriod)}.`,
      ),
      flag ? h('p', { class: 'reason-flag', role: 'note', 'data-testid': 'reason-flag' }, flag) : null,
      figures(reportFigures(report)),
      h(
        'div',
        { class: 'report-charts' },
        charts.map((c) => chartFigure(c)),
      ),
      h(
        'section',
        { class: 'report-kpis', 'aria-label': 'KPIs' },
        h('h4', {}, 'KPIs: target against actual'),
        kpis.measured.length === 0 && kpis.text.length === 0
          ? h('p', { class: 'empty' }, 'The channel names no KPI.')
          : null,
        kpis.measured.length
          ? h(
              'table',
              { class: 'report-table' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, 'KPI'),
                  h('th', {}, 'Target'),
                  h('th', {}, 'Actual per period'),
                  h('th', {}, 'Result'),
                ),
              ),
              h(
                'tbody',
                {},
                kpis.measured.map((k) =>
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'row' }, k.label),
                    h('td', {}, k.target),
                    h(
                      'td',
                      {},
                      k.periods.map((p) =>
                        h(
                          'span',
                          { class: `kpi-period kpi-${p.met === null ? 'open' : p.met ? 'met' : 'missed'}` },
                          `${p.start}: ${p.actual}${p.met === null ? '' : p.met ? ' ✓' : ' ✗'}`,
                        ),
                      ),
                    ),
                    h('td', {}, k.summary),
                  ),
                ),
              ),
            )
          : null,
        kpis.text.length
          ? h(
              'ul',
              { class: 'kpi-text' },
              kpis.text.map((t) => h('li', {}, t, h('span', { class: 'muted' }, ' (not measured)'))),
            )
          : null,
      ),
    );
    void this.drawCharts(charts);
  }

  /**
   * ECharts is a chunk of its own, loaded the first time a report is drawn: the calendar,
   * which most visits are for, does not download it.
   */
  private async drawCharts(charts: ChartModel[]): Promise<void> {
    const render = this.renders;
    const { draw } = await import('./charts');
    if (render !== this.renders) return;
    for (const c of charts) {
      const el = this.body.querySelector<HTMLElement>(`[data-chart="${c.id}"] .chart-canvas`);
      if (el && !c.empty) this.drawn.push(draw(el, c));
    }
  }

  private renderWorkspace(report: WorkspaceReport): void {
    const zone = report.workspace.timezone;
    replace(
      this.body,
      h('h3', {}, `${report.workspace.name} · ${daysLabel(report.period)}`),
      h('p', { class: 'muted' }, `Days in ${zone}. Choose a channel for its charts.`),
      figures(workspaceFigures(report)),
      h(
        'table',
        { class: 'report-table report-overview' },
        h('caption', {}, 'Channels in this period (change against the previous period in brackets)'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              'Channel',
              'Posts',
              'Weeks met',
              'Longest gap',
              'On time',
              'Failures',
              'Engagements',
              'Clicks',
              'Reason',
            ].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          report.channels.map((c) => {
            const f = Object.fromEntries(reportFigures(c).map((x) => [x.key, x]));
            const cell = (key: string) =>
              h(
                'td',
                { 'data-figure': key },
                f[key]!.value,
                f[key]!.change ? h('small', { class: 'change' }, ` (${f[key]!.change})`) : null,
              );
            return h(
              'tr',
              { 'data-channel-id': c.channel.id },
              h(
                'th',
                { scope: 'row' },
                h(
                  'button',
                  { type: 'button', class: 'link', onclick: () => this.openChannel(c.channel.id) },
                  c.channel.name,
                ),
              ),
              ['postsPublished', 'weeksMet', 'longestGapHours', 'onTimeShare', 'failures', 'engagements', 'clicks'].map(
                cell,
              ),
              h(
                'td',
                { class: c.reason.complete ? '' : 'flagged' },
                c.reason.complete ? 'complete' : `no ${c.reason.missing.join(', ')}`,
              ),
            );
          }),
        ),
      ),
    );
  }

  private openChannel(channelId: string): void {
    this.scope.value = channelId;
    void this.load();
    this.scope.focus();
  }

  /** The report's CSV (the API answers it on `Accept: text/csv`), saved through a download link. */
  private async downloadCsv(): Promise<void> {
    const days = this.days();
    if ('problem' in days) return announce(days.problem, 'error');
    try {
      const blob = await this.ctx.api.reportCsv(this.path(), days);
      const name =
        this.scope.value === WORKSPACE
          ? 'workspace'
          : (this.ctx.channels.find((c) => c.id === this.scope.value)?.name ?? 'channel');
      const slug =
        name
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-|-$/g, '') || 'report';
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: `report-${slug}-${days.from}-${days.to}.csv`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      if (e instanceof ApiError) announce(e.messages.join(' '), 'error');
      else throw e;
    }
  }
}

/** The workspace's totals, each against the sum of its channels' previous period. */
function workspaceFigures(report: WorkspaceReport): Figure[] {
  const sum = (values: (number | null | undefined)[]) =>
    values.some((v) => v !== null && v !== undefined) ? values.reduce<number>((a, v) => a + (v ?? 0), 0) : null;
  const previous = {
    postsPublished: sum(report.channels.map((c) => c.discipline.previous?.postsPublished)),
    engagements: sum(report.channels.map((c) => c.engagement.previous?.engagements)),
    clicks: sum(report.channels.map((c) => c.clicks.previous)),
  };
  const t = report.totals;
  return (['postsPublished', 'engagements', 'clicks'] as const).map((key) => ({
    key,
    label: { postsPublished: 'Posts published', engagements: 'Engagements', clicks: 'Clicks' }[key],
    value: formatValue(t[key], 'count'),
    change: formatChange(t[key], previous[key], 'count'),
    previous: formatValue(previous[key], 'count'),
  }));
}

/** The figures as a grid of terms: value, and the change against the previous period. */
function figures(list: Figure[]): HTMLElement {
  return h(
    'dl',
    { class: 'figures' },
    list.map((f) =>
      h(
        'div',
        { class: `figure${f.warn ? ' warn' : ''}`, 'data-figure': f.key },
        h('dt', {}, f.label),
        h('dd', {}, h('span', { class: 'value' }, f.value)),
        h('dd', { class: 'change' }, f.change === null ? 'no earlier figure' : `${f.change} (was ${f.previous})`),
      ),
    ),
  );
}

/**
 * A chart with its text alternative: the canvas is an image named by the summary (and
 * focusable), the caption says the same, and a toggle shows the numbers as a table.
 */
function chartFigure(model: ChartModel): HTMLElement {
  const captionId = nextId('chart-caption');
  const tableId = nextId('chart-table');
  const table = h(
    'table',
    { class: 'report-table chart-table', id: tableId, hidden: true },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        model.table.head.map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      {},
      model.table.rows.map((r) =>
        h(
          'tr',
          {},
          r.map((c, i) => (i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c))),
        ),
      ),
    ),
  );
  const toggle = h(
    'button',
    { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': tableId },
    'Show as table',
  );
  toggle.addEventListener('click', () => {
    table.hidden = !table.hidden;
    toggle.setAttribute('aria-expanded', String(!table.hidden));
    toggle.textContent = table.hidden ? 'Show as table' : 'Hide the table';
  });
  return h(
    'figure',
    { class: 'chart', 'data-chart': model.id, 'aria-labelledby': `${captionId}-title`, ...model.attributes },
    h('h4', { id: `${captionId}-title` }, model.title),
    model.empty
      ? h('p', { class: 'empty chart-empty' }, model.summary)
      : h('div', {
          class: 'chart-canvas',
          role: 'img',
          tabindex: 0,
          'aria-describedby': captionId,
          'aria-label': model.title,
        }),
    h('figcaption', { id: captionId }, model.summary, ' ', model.table.rows.length ? toggle : null),
    table,
  );
}
