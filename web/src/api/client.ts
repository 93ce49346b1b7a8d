import type {
  Alert,
  AuthProviders,
  Category,
  Channel,
  ChannelReport,
  Feed,
  Invitation,
  MediaItem,
  Me,
  MetricSnapshot,
  Member,
  Membership,
  Page,
  PersonalToken,
  PlatformLimits,
  Post,
  PostMedia,
  PostWithViolations,
  Problem,
  Role,
  SignedInMe,
  User,
  Violation,
  WorkspaceCalendar,
  WorkspaceReport,
} from './types';

/** An answer other than 2xx, carrying the RFC 9457 problem the API sent. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }

  get status(): number {
    return this.problem.status;
  }

  /** Every sentence a person should read: the detail, each field error, each violation. */
  get messages(): string[] {
    const p = this.problem;
    const lines = [p.detail ?? p.title];
    for (const e of p.errors ?? []) lines.push(`${e.field}: ${e.message}`);
    for (const v of p.violations ?? []) lines.push(v.message);
    return lines;
  }
}

export type PostAction = 'submit' | 'approve' | 'reject' | 'schedule' | 'unschedule' | 'cancel' | 'queue';

export interface PostDraft {
  body: string;
  category: string;
  title?: string | null;
  link?: string | null;
  scheduledAt?: string | null;
  media?: PostMedia[];
}

/** An upload under way: its answer, and a way to cancel it. */
export interface Upload {
  done: Promise<MediaItem>;
  cancel(): void;
}

export interface Validation {
  violations: Violation[];
  enforcement: 'block' | 'warn';
  wouldBlock: boolean;
}

export interface FeedDraft {
  name: string;
  channelIds?: string[];
  includeDrafts: boolean;
  includeGaps: boolean;
}

/**
 * The public HTTP API of docs/api.md. The page calls it with the session cookie (same
 * origin, HttpOnly: the page never sees it) and names its workspace in `X-Workspace-Id`;
 * a script may give an api key instead.
 */
export class Api {
  /** The workspace the page works in: sent as `X-Workspace-Id` (routes by channel or post id need it). */
  workspaceId: string | null = null;
  /** Called once a request answers 401 (the session ended, or the member was removed). */
  onUnauthenticated: ((problem: Problem) => void) | null = null;

  constructor(private readonly key?: string) {}

  // --- people and sessions (docs/api.md "People and sessions") ---

  providers(): Promise<AuthProviders> {
    return this.call('GET', '/v1/auth/providers', undefined, undefined, false);
  }

  signIn(email: string, password: string): Promise<{ user: User; memberships: Membership[] }> {
    return this.call('POST', '/v1/auth/sign-in', { email, password }, undefined, false);
  }

  signUp(draft: {
    name: string;
    email: string;
    password: string;
    workspace: { name: string; timezone: string };
  }): Promise<{ workspace: { id: string }; user: User }> {
    return this.call('POST', '/v1/auth/sign-up', draft, undefined, false);
  }

  signOut(): Promise<void> {
    return this.call('POST', '/v1/auth/sign-out', {}, undefined, false);
  }

  signOutEverywhere(): Promise<{ ended: number }> {
    return this.call('POST', '/v1/auth/sign-out-everywhere', {}, undefined, false);
  }

  requestPasswordReset(email: string): Promise<void> {
    return this.call('POST', '/v1/auth/password-reset', { email }, undefined, false);
  }

  confirmPasswordReset(token: string, password: string): Promise<void> {
    return this.call('POST', '/v1/auth/password-reset/confirm', { token, password }, undefined, false);
  }

  verifyEmail(token: string): Promise<void> {
    return this.call('POST', '/v1/auth/verify-email', { token }, undefined, false);
  }

  /** `{name, password}` for a new account (or the password of an existing one); `{}` when signed in. */
  acceptInvitation(
    token: string,
    body: { name?: string; password?: string },
  ): Promise<{ user: User; memberships: Membership[] }> {
    return this.call('POST', `/v1/invitations/${encodeURIComponent(token)}/accept`, body, undefined, false);
  }

  /** `GET /v1/me` by cookie: the user, their memberships, and the member of the chosen workspace. */
  whoAmI(): Promise<SignedInMe> {
    return this.call('GET', '/v1/me', undefined, undefined, false);
  }

  members(workspaceId: string): Promise<Member[]> {
    return this.all<Member>(`/v1/workspaces/${workspaceId}/members`);
  }

  updateMemberRole(workspaceId: string, memberId: string, role: Role): Promise<Member> {
    return this.call('PATCH', `/v1/workspaces/${workspaceId}/members/${memberId}`, { role });
  }

  removeMember(workspaceId: string, memberId: string): Promise<void> {
    return this.call('DELETE', `/v1/workspaces/${workspaceId}/members/${memberId}`);
  }

  invitations(workspaceId: string): Promise<Invitation[]> {
    return this.all<Invitation>(`/v1/workspaces/${workspaceId}/invitations`);
  }

  invite(workspaceId: string, email: string, role: Role): Promise<Invitation> {
    return this.call('POST', `/v1/workspaces/${workspaceId}/invitations`, { email, role });
  }

  async tokens(): Promise<PersonalToken[]> {
    const answer = await this.call<Page<PersonalToken> | PersonalToken[]>('GET', '/v1/me/tokens');
    return Array.isArray(answer) ? answer : answer.items;
  }

  createToken(name: string, readOnly: boolean): Promise<{ token: PersonalToken; secret: string }> {
    return this.call('POST', '/v1/me/tokens', { name, readOnly });
  }

  revokeToken(tokenId: string): Promise<void> {
    return this.call('DELETE', `/v1/me/tokens/${tokenId}`);
  }

  // --- the calendar and its panels ---

  me(): Promise<Me> {
    return this.call('GET', '/v1/me');
  }

  async channels(workspaceId: string): Promise<Channel[]> {
    return this.all<Channel>(`/v1/workspaces/${workspaceId}/channels`);
  }

  async categories(workspaceId: string): Promise<Category[]> {
    const answer = await this.call<Page<Category> | Category[]>('GET', `/v1/workspaces/${workspaceId}/categories`);
    return Array.isArray(answer) ? answer : answer.items;
  }

  calendar(workspaceId: string, from: string, to: string, channelId?: string): Promise<WorkspaceCalendar> {
    const q = new URLSearchParams({ from, to });
    if (channelId) q.set('channelId', channelId);
    return this.call('GET', `/v1/workspaces/${workspaceId}/calendar?${q}`);
  }

  post(postId: string): Promise<Post> {
    return this.call('GET', `/v1/posts/${postId}`);
  }

  createPost(channelId: string, draft: PostDraft): Promise<PostWithViolations> {
    return this.call('POST', `/v1/channels/${channelId}/posts`, strip(draft));
  }

  updatePost(post: Pick<Post, 'id' | 'version'>, changes: Partial<PostDraft>): Promise<PostWithViolations> {
    return this.call('PATCH', `/v1/posts/${post.id}`, changes, post.version);
  }

  act(
    post: Pick<Post, 'id' | 'version'>,
    action: PostAction,
    body: Record<string, unknown> = {},
  ): Promise<PostWithViolations> {
    return this.call('POST', `/v1/posts/${post.id}/${action}`, body, post.version);
  }

  validate(channelId: string, check: { scheduledAt: string; category: string; postId?: string }): Promise<Validation> {
    return this.call('POST', `/v1/channels/${channelId}/posts/validate`, check);
  }

  nextSlot(channelId: string, category: string, after?: string): Promise<{ scheduledAt: string }> {
    const q = new URLSearchParams({ category });
    if (after) q.set('after', after);
    return this.call('GET', `/v1/channels/${channelId}/next-slot?${q}`);
  }

  alerts(workspaceId: string, status: 'open' | 'resolved' = 'open'): Promise<Alert[]> {
    return this.all<Alert>(`/v1/workspaces/${workspaceId}/alerts?status=${status}`);
  }

  /** The free times that would fill an alert's gap (what its email offered). */
  suggestedSlots(workspaceId: string, alertId: string): Promise<{ category: string | null; slots: string[] }> {
    return this.call('GET', `/v1/workspaces/${workspaceId}/alerts/${alertId}/suggested-slots`);
  }

  feeds(workspaceId: string): Promise<Feed[]> {
    return this.all<Feed>(`/v1/workspaces/${workspaceId}/feeds`);
  }

  createFeed(workspaceId: string, draft: FeedDraft): Promise<Feed & { url: string }> {
    return this.call('POST', `/v1/workspaces/${workspaceId}/feeds`, draft);
  }

  deleteFeed(workspaceId: string, feedId: string): Promise<void> {
    return this.call('DELETE', `/v1/workspaces/${workspaceId}/feeds/${feedId}`);
  }

  updateChannel(channel: Pick<Channel, 'id' | 'version'>, changes: Record<string, unknown>): Promise<Channel> {
    return this.call('PATCH', `/v1/channels/${channel.id}`, changes, channel.version);
  }

  createChannel(workspaceId: string, channel: Record<string, unknown>): Promise<Channel> {
    return this.call('POST', `/v1/workspaces/${workspaceId}/channels`, channel);
  }

  /** Starts connecting a Mastodon account: the instance's page to send the browser to. */
  connectMastodon(workspaceId: string, start: { instanceUrl?: string; channelId?: string }) {
    return this.call<{ authorizeUrl: string }>('POST', `/v1/workspaces/${workspaceId}/connect/mastodon`, start);
  }

  connectBluesky(workspaceId: string, account: { handle: string; appPassword: string; channelId?: string }) {
    return this.call<Channel>('POST', `/v1/workspaces/${workspaceId}/connect/bluesky`, account);
  }

  testDelivery(channelId: string) {
    return this.call<{ ok: boolean; status: number }>('POST', `/v1/channels/${channelId}/test-delivery`);
  }

  checkConnection(channelId: string) {
    return this.call<Channel>('POST', `/v1/channels/${channelId}/check-connection`);
  }

  /**
   * Uploads a file to the workspace's library with XMLHttpRequest (fetch reports no upload
   * progress): `progress` gets the fraction sent; `cancel()` aborts it (the server keeps nothing).
   */
  uploadMedia(workspaceId: string, file: File, progress: (fraction: number) => void, alt?: string): Upload {
    const xhr = new XMLHttpRequest();
    const done = new Promise<MediaItem>((resolve, reject) => {
      xhr.open('POST', `/v1/workspaces/${workspaceId}/media`);
      for (const [name, value] of Object.entries(this.headers())) xhr.setRequestHeader(name, value);
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) progress(e.loaded / e.total);
      });
      xhr.addEventListener('load', () => {
        const parsed = safeJson(xhr.responseText) as Partial<Problem> | MediaItem | undefined;
        if (xhr.status >= 200 && xhr.status < 300) return resolve(parsed as MediaItem);
        const problem = (parsed ?? {}) as Partial<Problem>;
        reject(new ApiError({ ...problem, title: problem.title ?? xhr.statusText, status: xhr.status }));
      });
      xhr.addEventListener('error', () =>
        reject(new ApiError({ title: 'Upload failed', status: 0, detail: 'The server did not answer; try again.' })),
      );
      xhr.addEventListener('abort', () =>
        reject(new ApiError({ title: 'Upload cancelled', status: 0, detail: 'The upload was cancelled.' })),
      );
      const form = new FormData();
      if (alt) form.append('alt', alt);
      form.append('file', file, file.name || 'pasted-image');
      xhr.send(form);
    });
    return { done, cancel: () => xhr.abort() };
  }

  mediaPage(workspaceId: string, cursor?: string | null, limit = 12): Promise<Page<MediaItem>> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (cursor) q.set('cursor', cursor);
    return this.call('GET', `/v1/workspaces/${workspaceId}/media?${q}`);
  }

  media(mediaId: string): Promise<MediaItem> {
    return this.call('GET', `/v1/media/${mediaId}`);
  }

  /** What the channel's platform takes: text length, media counts, types and sizes. */
  channelLimits(channelId: string): Promise<PlatformLimits> {
    return this.call('GET', `/v1/channels/${channelId}/limits`);
  }

  /**
   * A media file or thumbnail as an object URL (an <img src> cannot authenticate): the caller
   * revokes it with URL.revokeObjectURL when it is no longer shown.
   */
  async mediaObjectUrl(path: string): Promise<string> {
    const response = await fetch(path, { headers: this.headers() });
    if (!response.ok) throw new ApiError({ title: response.statusText, status: response.status });
    return URL.createObjectURL(await response.blob());
  }

  // --- reports (docs/api.md "Reports") ---

  /** A channel's health report for the days `from`..`to` (inclusive, in its zone); both absent: the last 4 full weeks. */
  channelReport(channelId: string, period: { from?: string; to?: string } = {}): Promise<ChannelReport> {
    return this.call('GET', `/v1/channels/${channelId}/report${reportQuery(period)}`);
  }

  /** Every channel's report for the days `from`..`to` in the workspace's zone. */
  workspaceReport(workspaceId: string, period: { from?: string; to?: string } = {}): Promise<WorkspaceReport> {
    return this.call('GET', `/v1/workspaces/${workspaceId}/report${reportQuery(period)}`);
  }

  /**
   * A report as CSV (the API answers it on `Accept: text/csv`): one row per published post
   * with its latest metrics, as a Blob for a download link.
   */
  async reportCsv(path: string, period: { from?: string; to?: string } = {}): Promise<Blob> {
    const response = await fetch(`${path}${reportQuery(period)}`, {
      headers: { ...this.headers(), accept: 'text/csv' },
      credentials: 'same-origin',
    });
    if (!response.ok) {
      const problem = (safeJson(await response.text()) ?? {}) as Partial<Problem>;
      throw new ApiError({ ...problem, title: problem.title ?? response.statusText, status: response.status });
    }
    return response.blob();
  }

  /** A published post's counts over time, oldest first. */
  postMetrics(postId: string): Promise<{ snapshots: MetricSnapshot[] }> {
    return this.call('GET', `/v1/posts/${postId}/metrics`);
  }

  /** The headers that authenticate a request (also used by uploads and media downloads). */
  private headers(): Record<string, string> {
    // The session cookie goes by itself (same origin); a script's key and the workspace do not.
    const headers: Record<string, string> = {};
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (this.workspaceId) headers['x-workspace-id'] = this.workspaceId;
    return headers;
  }

  /** Every page of a `{items, nextCursor}` list. */
  private async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const url: string = `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: Page<T> = await this.call('GET', url);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  /** `signedOutOn401`: false for the sign-in calls themselves, whose 401 is their answer. */
  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    version?: number,
    signedOutOn401 = true,
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    if (this.workspaceId) headers['x-workspace-id'] = this.workspaceId;
    if (body !== undefined && method !== 'GET') headers['content-type'] = 'application/json';
    if (version !== undefined) headers['if-match'] = `"${version}"`;
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        body: body !== undefined && method !== 'GET' ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw new ApiError({
        title: 'Palinsesto cannot be reached',
        status: 0,
        detail: 'The server did not answer. Check your connection and try again.',
      });
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const problem = (parsed ?? {}) as Partial<Problem>;
      const error = new ApiError({ ...problem, title: problem.title ?? response.statusText, status: response.status });
      if (response.status === 401 && signedOutOn401) this.onUnauthenticated?.(error.problem);
      throw error;
    }
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function reportQuery(period: { from?: string; to?: string }): string {
  const q = new URLSearchParams();
  if (period.from) q.set('from', period.from);
  if (period.to) q.set('to', period.to);
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** Leaves out empty optional fields, so that "no title" is absent rather than "". */
function strip(draft: PostDraft): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(draft)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  return out;
}
