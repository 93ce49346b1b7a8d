import type { EventInput } from 'fullcalendar';
import { DateTime } from 'luxon';
import type { Category, Channel, Gap, Post, PostStatus, Role, Violation, WorkspaceCalendar } from '../api/types';

/** Colours of the three categories every workspace starts with; others get one from PALETTE. */
const DEFAULT_COLORS: Record<string, string> = {
  informative: '#2563eb',
  promotional: '#d97706',
  engagement: '#059669',
};
const PALETTE = ['#7c3aed', '#db2777', '#0891b2', '#65a30d', '#9333ea', '#ea580c'];

export function categoryColor(key: string, categories: Category[]): string {
  const own = categories.find((c) => c.key === key)?.color;
  if (own) return own;
  if (DEFAULT_COLORS[key]) return DEFAULT_COLORS[key];
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

export const STATUS_LABEL: Record<PostStatus, string> = {
  draft: 'Draft',
  in_review: 'In review',
  approved: 'Approved',
  scheduled: 'Scheduled',
  publishing: 'Publishing',
  published: 'Published',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export const GAP_LABEL: Record<Gap['kind'], string> = {
  planned_gap: 'No post planned',
  under_cadence: 'Below the weekly cadence',
  inactivity: 'Channel inactive',
};

/** Posts that may still be moved in the calendar (the API refuses the others anyway). */
const MOVABLE: readonly PostStatus[] = ['draft', 'in_review', 'approved', 'scheduled'];

export interface PostEventData {
  type: 'post';
  post: Post;
  channel: Channel;
  violations: Violation[];
}

export interface GapEventData {
  type: 'gap';
  gap: Gap;
  channel: Channel;
}

export type EventData = PostEventData | GapEventData;

/** The first words of a post, for a chip. */
export function headline(post: Pick<Post, 'title' | 'body'>, max = 60): string {
  const text = (post.title?.trim() || post.body.trim()).replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The calendar answer as FullCalendar events: each post a chip coloured by category and marked
 * by status and violations; each gap (planned gap, under-cadence week) a shaded background.
 */
export function toEvents(calendar: WorkspaceCalendar, categories: Category[], role: Role, zone: string): EventInput[] {
  const events: EventInput[] = [];
  const canEdit = role !== 'viewer';
  for (const { channel, posts, gaps, violations } of calendar.channels) {
    const byPost = new Map<string, Violation[]>();
    for (const v of violations) for (const id of v.postIds) byPost.set(id, [...(byPost.get(id) ?? []), v]);
    for (const post of posts) {
      if (!post.scheduledAt) continue;
      const own = byPost.get(post.id) ?? [];
      const data: PostEventData = { type: 'post', post, channel, violations: own };
      events.push({
        id: post.id,
        title: `${own.length ? '⚠ ' : ''}${channel.name}: ${headline(post)}`,
        start: post.scheduledAt,
        allDay: false,
        color: categoryColor(post.category, categories),
        className: ['post', `post-${post.status}`, ...(own.length ? ['has-violation'] : [])].join(' '),
        editable: canEdit && MOVABLE.includes(post.status),
        extendedProps: data,
      });
    }
    for (const gap of gaps) {
      if (gap.kind === 'inactivity') continue; // the past: nothing left to plan
      const data: GapEventData = { type: 'gap', gap, channel };
      const base = {
        title: `${GAP_LABEL[gap.kind]} on ${channel.name}`,
        display: 'background',
        className: `gap gap-${gap.kind}`,
        extendedProps: data,
      };
      // Shaded hour by hour in the week view...
      events.push({ ...base, id: `gap-${channel.id}-${gap.from}`, start: gap.from, end: gap.to });
      // ...and, since the month grid shades whole days only, every day the gap covers entirely.
      const days = wholeDays(gap.from, gap.to, zone);
      if (days)
        events.push({
          ...base,
          id: `gap-days-${channel.id}-${gap.from}`,
          start: days.start,
          end: days.end,
          allDay: true,
        });
    }
  }
  return events;
}

/** The days (in `zone`) that lie entirely within [from, to), as all-day dates; null when none. */
export function wholeDays(from: string, to: string, zone: string): { start: string; end: string } | null {
  const start = DateTime.fromISO(from, { zone });
  const end = DateTime.fromISO(to, { zone });
  const first = start.equals(start.startOf('day')) ? start : start.startOf('day').plus({ days: 1 });
  const last = end.startOf('day');
  return first < last ? { start: first.toISODate()!, end: last.toISODate()! } : null;
}
