import type { Category, Channel, Post, WorkspaceCalendar } from '../api/types';
import { categoryColor, headline, toEvents, wholeDays } from './events';

const channel = { id: 'c1', name: 'Bottega', timezone: 'Europe/Rome' } as Channel;
const post = (over: Partial<Post>): Post =>
  ({
    id: 'p1',
    channelId: 'c1',
    status: 'scheduled',
    title: null,
    body: 'Hello',
    link: null,
    category: 'informative',
    scheduledAt: '2026-03-02T09:00:00.000Z',
    version: 1,
    ...over,
  }) as Post;
const categories: Category[] = [{ key: 'seasonal', name: 'Seasonal', color: '#123456' }];

describe('wholeDays', () => {
  it('keeps the days a gap covers entirely, in the given zone', () => {
    // Tue 10:00 to Sun 10:00 in Rome: Wed to Sat are empty all day.
    expect(wholeDays('2026-03-03T09:00:00Z', '2026-03-08T09:00:00Z', 'Europe/Rome')).toEqual({
      start: '2026-03-04',
      end: '2026-03-08',
    });
    // A gap starting at midnight counts its first day.
    expect(wholeDays('2026-03-03T23:00:00Z', '2026-03-05T12:00:00Z', 'Europe/Rome')).toEqual({
      start: '2026-03-04',
      end: '2026-03-05',
    });
    // Shorter than a day: nothing to shade in a month grid.
    expect(wholeDays('2026-03-03T09:00:00Z', '2026-03-04T08:00:00Z', 'Europe/Rome')).toBeNull();
  });

  it('counts days by the wall clock across the spring DST change (a 23-hour day)', () => {
    // Sat 28 Mar 00:00 to Mon 30 Mar 00:00 in Rome: Sat and the short Sunday.
    expect(wholeDays('2026-03-27T23:00:00Z', '2026-03-29T22:00:00Z', 'Europe/Rome')).toEqual({
      start: '2026-03-28',
      end: '2026-03-30',
    });
    // The same instants seen from New York are other days.
    expect(wholeDays('2026-03-27T23:00:00Z', '2026-03-29T22:00:00Z', 'America/New_York')).toEqual({
      start: '2026-03-28',
      end: '2026-03-29',
    });
  });
});

describe('toEvents', () => {
  const calendar = (posts: Post[], extra: Partial<WorkspaceCalendar['channels'][0]> = {}): WorkspaceCalendar => ({
    from: '2026-03-01T00:00:00Z',
    to: '2026-04-01T00:00:00Z',
    channels: [{ channel, posts, gaps: [], violations: [], mix: {}, ...extra }],
  });

  it('marks a post that breaks a rule, colours it by category, and lets editors move only posts not yet published', () => {
    const events = toEvents(
      calendar(
        [
          post({ id: 'a' }),
          post({ id: 'b', status: 'published', category: 'seasonal' }),
          post({ id: 'c', scheduledAt: null }),
        ],
        {
          violations: [{ rule: 'maxPostsPerDay', severity: 'block', message: 'Too many', postIds: ['a'] }],
        },
      ),
      categories,
      'editor',
      'Europe/Rome',
    );
    expect(events.map((e) => e.id)).toEqual(['a', 'b']); // an undated post has no place in a calendar
    expect(events[0]).toMatchObject({
      title: '⚠ Bottega: Hello',
      editable: true,
      color: categoryColor('informative', categories),
    });
    expect(String(events[0]!.className)).toContain('has-violation');
    expect(events[1]).toMatchObject({ editable: false, color: '#123456' });
    expect(toEvents(calendar([post({})]), categories, 'viewer', 'Europe/Rome')[0]!.editable).toBe(false);
  });

  it('shades a planned gap hour by hour and, for the month grid, the whole days inside it; skips inactivity', () => {
    const events = toEvents(
      calendar([], {
        gaps: [
          { kind: 'planned_gap', from: '2026-03-03T09:00:00Z', to: '2026-03-08T09:00:00Z' },
          { kind: 'inactivity', from: '2026-02-01T00:00:00Z', to: '2026-03-01T00:00:00Z' },
        ],
      }),
      [],
      'lead',
      'Europe/Rome',
    );
    expect(events).toEqual([
      expect.objectContaining({
        display: 'background',
        start: '2026-03-03T09:00:00Z',
        end: '2026-03-08T09:00:00Z',
        className: 'gap gap-planned_gap',
      }),
      expect.objectContaining({ display: 'background', start: '2026-03-04', end: '2026-03-08', allDay: true }),
    ]);
  });
});

describe('headline', () => {
  it('prefers the title, flattens whitespace and shortens with an ellipsis', () => {
    expect(headline({ title: null, body: 'One\n\ntwo   three' })).toBe('One two three');
    expect(headline({ title: 'Title', body: 'Body' })).toBe('Title');
    expect(headline({ title: null, body: 'x'.repeat(80) }, 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
