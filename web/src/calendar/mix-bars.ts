import type { Category, ChannelCalendar } from '../api/types';
import { h } from '../dom';
import { categoryColor } from './events';

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** The content mix of the visible range as one stacked bar per channel, with a text legend. */
export function mixBars(channels: ChannelCalendar[], categories: Category[]): HTMLElement {
  const nameOf = (key: string) => categories.find((c) => c.key === key)?.name ?? key;
  return h(
    'section',
    { class: 'mix', 'aria-label': 'Content mix of the visible range' },
    h('h2', {}, 'Content mix'),
    channels.map(({ channel, mix, posts }) => {
      const shares = Object.entries(mix).filter(([, share]) => share > 0);
      const summary = shares.length
        ? shares.map(([k, s]) => `${nameOf(k)} ${percent(s)}`).join(', ')
        : 'no posts in this range';
      const dated = posts.filter((p) => p.scheduledAt).length;
      return h(
        'div',
        { class: 'mix-channel', 'data-channel-id': channel.id },
        h(
          'div',
          { class: 'mix-name' },
          channel.name,
          h('span', { class: 'muted' }, ` · ${dated} post${dated === 1 ? '' : 's'}`),
        ),
        h(
          'div',
          { class: 'mix-bar', role: 'img', 'aria-label': `${channel.name}: ${summary}` },
          shares.map(([key, share]) =>
            h('span', {
              class: 'mix-segment',
              style: `width:${share * 100}%;background:${categoryColor(key, categories)}`,
              title: `${nameOf(key)} ${percent(share)}`,
            }),
          ),
        ),
        h('div', { class: 'mix-legend' }, summary),
      );
    }),
  );
}
