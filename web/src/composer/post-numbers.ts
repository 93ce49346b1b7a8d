import { ApiError } from '../api/client';
import type { MetricSnapshot, Post } from '../api/types';
import type { AppContext } from '../context';
import { h, replace } from '../dom';
import { localTime } from '../time';

export const COUNTS = [
  ['likes', 'Likes'],
  ['reposts', 'Reposts'],
  ['replies', 'Replies'],
  ['quotes', 'Quotes'],
  ['clicks', 'Clicks'],
] as const;

/** A count as the dialog shows it: null means the platform has no such count ("—"). */
export const countText = (n: number | null | undefined) => (n === null || n === undefined ? '—' : String(n));

/** Likes + reposts + replies + quotes of a snapshot (absent counts add nothing); null when it has none. */
export function engagements(s: MetricSnapshot): number | null {
  const parts = [s.likes, s.reposts, s.replies, s.quotes].filter((n): n is number => n !== null);
  return parts.length ? parts.reduce((a, b) => a + b, 0) : null;
}

/**
 * The points of a sparkline of `values` in a `width` x `height` box (SVG polyline syntax),
 * by snapshot order; unknown values are skipped. Empty when fewer than two are known.
 */
export function sparklinePoints(values: (number | null)[], width: number, height: number, pad = 2): string {
  const known = values.map((v, i) => [i, v] as const).filter((p): p is readonly [number, number] => p[1] !== null);
  if (known.length < 2) return '';
  const max = Math.max(...known.map((p) => p[1]));
  const min = Math.min(...known.map((p) => p[1]));
  const span = max - min || 1;
  const last = values.length - 1 || 1;
  return known
    .map(([i, v]) => {
      const x = pad + (i / last) * (width - 2 * pad);
      const y = height - pad - ((v - min) / span) * (height - 2 * pad);
      return `${round(x)},${round(y)}`;
    })
    .join(' ');
}

const round = (n: number) => Math.round(n * 10) / 10;
const SVG = 'http://www.w3.org/2000/svg';

/** A published post's numbers in its dialog: the latest snapshot, a sparkline and every snapshot as a table. */
export class PostNumbers {
  readonly el = h('section', { class: 'post-numbers', 'aria-labelledby': 'post-numbers-title', hidden: true });
  private shown: string | null = null;

  constructor(private readonly ctx: AppContext) {}

  async show(post: Post | null): Promise<void> {
    this.shown = post?.id ?? null;
    if (!post || post.status !== 'published') {
      this.el.hidden = true;
      replace(this.el);
      return;
    }
    this.el.hidden = false;
    this.el.dataset.state = 'loading';
    replace(this.el, h('h3', { id: 'post-numbers-title' }, 'Numbers'), h('p', { class: 'muted' }, 'Loading…'));
    let snapshots: MetricSnapshot[];
    try {
      snapshots = (await this.ctx.api.postMetrics(post.id)).snapshots;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (this.shown !== post.id) return;
      replace(
        this.el,
        h('h3', { id: 'post-numbers-title' }, 'Numbers'),
        h('p', { role: 'alert' }, e.messages.join(' ')),
      );
      this.el.dataset.state = 'error';
      return;
    }
    if (this.shown !== post.id) return;
    this.render(snapshots);
    this.el.dataset.state = 'ready';
  }

  private render(snapshots: MetricSnapshot[]): void {
    const latest = snapshots.at(-1);
    if (!latest) {
      replace(
        this.el,
        h('h3', { id: 'post-numbers-title' }, 'Numbers'),
        h(
          'p',
          { class: 'empty' },
          'No numbers yet: the platform is asked an hour after publication, then less and less often.',
        ),
      );
      return;
    }
    const series = snapshots.map(engagements);
    const points = sparklinePoints(series, 160, 32);
    let spark: SVGSVGElement | null = null;
    if (points) {
      spark = document.createElementNS(SVG, 'svg');
      spark.setAttribute('class', 'sparkline');
      spark.setAttribute('width', '160');
      spark.setAttribute('height', '32');
      spark.setAttribute('viewBox', '0 0 160 32');
      spark.setAttribute('role', 'img');
      spark.setAttribute(
        'aria-label',
        `Engagements over ${snapshots.length} snapshots: ${series.map((v) => countText(v)).join(', ')}`,
      );
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', points);
      line.setAttribute('fill', 'none');
      line.setAttribute('stroke', '#1d4ed8');
      line.setAttribute('stroke-width', '2');
      spark.append(line);
    }
    replace(
      this.el,
      h('h3', { id: 'post-numbers-title' }, 'Numbers'),
      h(
        'dl',
        { class: 'figures' },
        COUNTS.map(([key, label]) =>
          h(
            'div',
            { class: 'figure', 'data-count': key },
            h('dt', {}, label),
            h('dd', {}, h('span', { class: 'value' }, countText(latest[key]))),
          ),
        ),
      ),
      h('p', { class: 'muted' }, `As of ${localTime(latest.at)} (a dash: the platform has no such count).`),
      spark,
      h(
        'details',
        {},
        h('summary', {}, `Every snapshot (${snapshots.length})`),
        h(
          'table',
          { class: 'report-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'At'),
              COUNTS.map(([, label]) => h('th', { scope: 'col' }, label)),
            ),
          ),
          h(
            'tbody',
            {},
            snapshots.map((s) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, localTime(s.at)),
                COUNTS.map(([key]) => h('td', {}, countText(s[key]))),
              ),
            ),
          ),
        ),
      ),
    );
  }
}
