import type { Api } from './api/client';
import type { Category, Channel, Me, Post } from './api/types';

/** What every part of the page shares once the member has signed in. */
export interface AppContext {
  api: Api;
  me: Me;
  channels: Channel[];
  categories: Category[];
  /** Opens the composer on a new post (optionally at a time, on a channel) or on an existing one. */
  compose(options: ComposeOptions): void;
  /** Reloads what the calendar, alerts and feeds show. */
  refresh(): void;
}

export interface ComposeOptions {
  post?: Post;
  channelId?: string;
  scheduledAt?: string;
  category?: string;
  /** A sentence shown at the top of the composer, e.g. which gap it fills. */
  note?: string;
}

export const roleRank = { viewer: 0, editor: 1, lead: 2 } as const;

export function hasRole(me: Me, role: keyof typeof roleRank): boolean {
  return roleRank[me.role] >= roleRank[role];
}

export function channelOf(ctx: AppContext, id: string): Channel | undefined {
  return ctx.channels.find((c) => c.id === id);
}
