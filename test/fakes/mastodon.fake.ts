import { createHash, randomBytes } from 'node:crypto';
import busboy from 'busboy';
import sharp from 'sharp';
import { asObject, header, HttpFake, parseJson, type FakeRequest, type FakeResponse } from './http-fake';

/** A media attachment as the fake stored it. */
export interface FakeMastodonMedia {
  id: string;
  type: 'image' | 'video' | 'gifv';
  mimeType: string;
  bytes: number;
  sha256: string;
  description: string | null;
  focus: { x: number; y: number } | null;
  width?: number;
  height?: number;
  /** GETs still to answer 206 before it is processed (0: processed). */
  pendingPolls: number;
  statusId?: string;
}

/** The instance configuration `GET /api/v2/instance` answers (stock Mastodon 4.x values by default). */
export interface MastodonInstanceConfiguration {
  maxCharacters: number;
  maxMediaAttachments: number;
  charactersReservedPerUrl: number;
  supportedMimeTypes: string[];
  descriptionLimit: number;
  imageSizeLimit: number;
  imageMatrixLimit: number;
  videoSizeLimit: number;
  videoFrameRateLimit: number;
  videoMatrixLimit: number;
}

export const STOCK_MASTODON_CONFIGURATION: MastodonInstanceConfiguration = {
  maxCharacters: 500,
  maxMediaAttachments: 4,
  charactersReservedPerUrl: 23,
  supportedMimeTypes: [
    'image/jpeg',
    'image/png',
    'image/gif',
    'image/heic',
    'image/heif',
    'image/webp',
    'image/avif',
    'video/webm',
    'video/mp4',
    'video/quicktime',
    'video/ogg',
  ],
  descriptionLimit: 1_500,
  imageSizeLimit: 16 * 1024 * 1024,
  imageMatrixLimit: 33_177_600,
  videoSizeLimit: 99 * 1024 * 1024,
  videoFrameRateLimit: 120,
  videoMatrixLimit: 8_294_400,
};

/** A status as the fake stored it. */
export interface FakeMastodonStatus {
  id: string;
  text: string;
  /** Its attachments, in the order of media_ids. */
  media: FakeMastodonMedia[];
  visibility: string;
  idempotencyKey?: string;
  url: string;
  uri: string;
  createdAt: string;
}

export interface MastodonFakeOptions {
  /** The only bearer token accepted. */
  accessToken: string;
  /** Account the statuses belong to (default `palinsesto`). */
  username?: string;
  /** Character limit (default 500, as stock Mastodon; also the instance's max_characters). */
  characterLimit?: number;
  /** The rest of what `/api/v2/instance` answers and the media endpoints enforce. */
  configuration?: Partial<Omit<MastodonInstanceConfiguration, 'maxCharacters'>>;
  /** Images larger than this are processed asynchronously (202) like video (default 8 MiB). */
  asyncImageBytes?: number;
  /** How many `GET /api/v1/media/:id` answer 206 before a 202 upload is processed (default 2). */
  processingPolls?: number;
  /** What it answers as the status's `url` and `uri` instead of its own (a hostile instance: `javascript:...`). */
  answerUrl?: string;
  answerUri?: string;
  latencyMs?: number;
  /** The account's display name and avatar verify_credentials answers (default: the username, a stand-in URL). */
  displayName?: string;
  /** The instance has quote posts (Mastodon 4.5+): statuses carry `quotes_count`; without, they have none. */
  quotes?: boolean;
}

/** A status's counts as `GET /api/v1/statuses/:id` answers them (all 0 until set). */
export interface FakeMastodonCounts {
  favourites: number;
  reblogs: number;
  replies: number;
  quotes: number;
}

/** An OAuth app registered with `POST /api/v1/apps`. */
export interface FakeMastodonApp {
  clientId: string;
  clientSecret: string;
  name: string;
  redirectUris: string[];
  scopes: string;
}

interface FakeGrant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  method: string;
  scope: string;
  used: boolean;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Mastodon's own counting (StatusLengthValidator), written independently of the app's:
 * grapheme clusters, any http(s) URL as 23 (balanced parentheses belong to the URL, trailing
 * punctuation does not), `@user@domain` as `@user`.
 */
export function mastodonCountedLength(text: string): number {
  const countable = text
    .replace(/https?:\/\/(?:[^\s<>"()]|\([^\s<>"()]*\))+?(?=[.,;:!?)]*(?:\s|$))/gi, 'x'.repeat(23))
    .replace(/(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@[\w.-]+\w/gi, '@$1');
  return [...segmenter.segment(countable)].length;
}

/**
 * Stand-in for a Mastodon server's `POST /api/v1/statuses` and `GET /api/v1/statuses/:id`:
 * bearer token check (401), the character limit (422), the Idempotency-Key store (same key:
 * the same status again, nothing new), plus the failure knobs of HttpFake.
 *
 * Media as Mastodon 4.x: `POST /api/v2/media` (multipart `file`, `description`, `focus`
 * "x,y"; the instance's types and sizes enforced, 422 otherwise) answers 200 for an image and
 * 202 with `url: null` for video, GIF and large images; `GET /api/v1/media/:id` answers 206
 * while processing, then 200, and 404 once attached. `media_ids` on a status are checked like
 * PostStatusService: unknown/attached ids, unprocessed ones, too many, video with images: 422.
 * `GET /api/v2/instance` answers the configuration.
 *
 * Counts (metrics collection): a status carries `replies_count`, `reblogs_count`,
 * `favourites_count` (and `quotes_count` with the `quotes` option), set by the test
 * (setCounts/addCounts) so they change over time; deleteStatus makes its GET a 404,
 * rateLimitStatusReads answers 429 with X-RateLimit-Reset, statusReads records each read.
 */
export class MastodonFake extends HttpFake {
  readonly statuses: FakeMastodonStatus[] = [];
  /** Every attachment uploaded, attached or not, in upload order. */
  readonly media: FakeMastodonMedia[] = [];
  private readonly byIdempotencyKey = new Map<string, FakeMastodonStatus>();
  private nextId = 110_000_000_000_000_001n;
  private nextMediaId = 112_000_000_000_000_001n;
  private readonly options: Required<
    Omit<MastodonFakeOptions, 'latencyMs' | 'answerUrl' | 'answerUri' | 'configuration' | 'displayName' | 'quotes'>
  > &
    Pick<MastodonFakeOptions, 'answerUrl' | 'answerUri' | 'displayName' | 'quotes'>;
  readonly configuration: MastodonInstanceConfiguration;
  private uploadsSeen = 0;
  private readonly uploadFailures = new Map<number, number>();
  /** OAuth: the apps registered, the codes given, the tokens issued (token -> revoked?). */
  readonly apps: FakeMastodonApp[] = [];
  private readonly grants = new Map<string, FakeGrant>();
  readonly issuedTokens = new Map<string, { revoked: boolean }>();
  /** Token requests refused, with why (to see that the PKCE verifier was checked). */
  readonly tokenRefusals: string[] = [];
  /** Counts per status id (setCounts); a status without an entry has 0 of each. */
  private readonly counts = new Map<string, FakeMastodonCounts>();
  /** Statuses deleted on the instance (deleteStatus): their GET answers 404. */
  private readonly deleted = new Set<string>();
  /** Planned 429s of `GET /api/v1/statuses/:id` with an `X-RateLimit-Reset` instant (Mastodon's own header). */
  private rateLimits: { remaining: number; reset: Date; ids?: readonly string[] }[] = [];
  /** Every `GET /api/v1/statuses/:id` handled: the id and the bearer token it carried. */
  readonly statusReads: { id: string; authorization: string | undefined }[] = [];

  constructor(options: MastodonFakeOptions) {
    super({ latencyMs: options.latencyMs });
    this.options = {
      username: 'palinsesto',
      characterLimit: 500,
      asyncImageBytes: 8 * 1024 * 1024,
      processingPolls: 2,
      ...options,
    };
    this.configuration = {
      ...STOCK_MASTODON_CONFIGURATION,
      ...options.configuration,
      maxCharacters: this.options.characterLimit,
    };
  }

  /** Every token issued by the OAuth flow (and the configured one) is refused from now on. */
  revokeTokens(): void {
    for (const state of this.issuedTokens.values()) state.revoked = true;
    this.configuredTokenRevoked = true;
  }

  private configuredTokenRevoked = false;

  /** Sets a status's counts (the rest keep their value); counts change over time as the test says. */
  setCounts(id: string, counts: Partial<FakeMastodonCounts>): this {
    this.counts.set(id, { ...this.countsOf(id), ...counts });
    return this;
  }

  /** Adds to a status's counts (a post gaining likes as time goes by). */
  addCounts(id: string, more: Partial<FakeMastodonCounts>): this {
    const now = this.countsOf(id);
    return this.setCounts(id, {
      favourites: now.favourites + (more.favourites ?? 0),
      reblogs: now.reblogs + (more.reblogs ?? 0),
      replies: now.replies + (more.replies ?? 0),
      quotes: now.quotes + (more.quotes ?? 0),
    });
  }

  countsOf(id: string): FakeMastodonCounts {
    return this.counts.get(id) ?? { favourites: 0, reblogs: 0, replies: 0, quotes: 0 };
  }

  /** The status is deleted on the instance: `GET /api/v1/statuses/:id` answers 404 from now on. */
  deleteStatus(id: string): this {
    this.deleted.add(id);
    return this;
  }

  /**
   * The next `count` status reads answer 429 with `X-RateLimit-Reset: <reset>` (an ISO
   * instant, as Mastodon sends it) and no Retry-After; with `ids`, only reads of those statuses.
   */
  rateLimitStatusReads(count: number, reset: Date, ids?: readonly string[]): this {
    this.rateLimits.push({ remaining: count, reset, ids });
    return this;
  }

  private showStatus(request: FakeRequest, id: string): FakeResponse {
    const limit = this.rateLimits.find((r) => r.remaining > 0 && (r.ids === undefined || r.ids.includes(id)));
    if (limit) {
      limit.remaining--;
      return {
        status: 429,
        headers: {
          'x-ratelimit-limit': '300',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': limit.reset.toISOString(),
        },
        body: { error: 'Too many requests' },
      };
    }
    const status = this.deleted.has(id) ? undefined : this.statuses.find((s) => s.id === id);
    if (!status) return { status: 404, body: { error: 'Record not found' } };
    this.statusReads.push({ id, authorization: header(request.headers, 'authorization') });
    return { status: 200, body: this.entity(status) };
  }

  protected override async handle(request: FakeRequest): Promise<FakeResponse> {
    if (request.method === 'POST' && request.path === '/api/v1/apps') return this.registerApp(request);
    if (request.method === 'GET' && request.path === '/oauth/authorize') return this.authorizePage(request);
    if (request.method === 'POST' && request.path === '/oauth/authorize') return this.authorizeDecision(request);
    if (request.method === 'POST' && request.path === '/oauth/token') return this.token(request);
    if (request.method === 'GET' && request.path === '/api/v1/accounts/verify_credentials') {
      return this.verifyCredentials(request);
    }
    if (request.method === 'POST' && request.path === '/api/v1/statuses') return this.createStatus(request);
    if (request.method === 'POST' && request.path === '/api/v2/media') return this.uploadMedia(request);
    if (request.method === 'GET' && request.path === '/api/v2/instance') return this.instance();
    const media = /^\/api\/v1\/media\/(\d+)$/.exec(request.path);
    if (request.method === 'GET' && media) return this.showMedia(request, media[1]!);
    const show = /^\/api\/v1\/statuses\/(\d+)$/.exec(request.path);
    if (request.method === 'GET' && show) return this.showStatus(request, show[1]!);
    return { status: 404, body: { error: 'Record not found' } };
  }

  private authorized(request: FakeRequest): boolean {
    const auth = header(request.headers, 'authorization') ?? '';
    if (!auth.startsWith('Bearer ')) return false;
    const token = auth.slice('Bearer '.length);
    if (token === this.options.accessToken) return !this.configuredTokenRevoked;
    const issued = this.issuedTokens.get(token);
    return issued !== undefined && !issued.revoked;
  }

  private params(request: FakeRequest): Record<string, unknown> {
    const contentType = header(request.headers, 'content-type') ?? '';
    return contentType.includes('application/json')
      ? asObject(parseJson(request.text))
      : Object.fromEntries(new URLSearchParams(request.text));
  }

  /** `POST /api/v1/apps` (Mastodon's Api::V1::AppsController): client_name and redirect_uris required. */
  private registerApp(request: FakeRequest): FakeResponse {
    const p = this.params(request);
    const name = typeof p['client_name'] === 'string' ? p['client_name'] : '';
    const uris = typeof p['redirect_uris'] === 'string' ? p['redirect_uris'].split(/\s+/).filter(Boolean) : [];
    if (!name || uris.length === 0) {
      return { status: 422, body: { error: "Validation failed: Name can't be blank, Redirect URI can't be blank" } };
    }
    const app: FakeMastodonApp = {
      clientId: randomToken(),
      clientSecret: randomToken(),
      name,
      redirectUris: uris,
      scopes: typeof p['scopes'] === 'string' ? p['scopes'] : 'read',
    };
    this.apps.push(app);
    return {
      status: 200,
      body: {
        id: String(this.apps.length),
        name,
        website: p['website'] ?? null,
        redirect_uri: uris.join('\n'),
        client_id: app.clientId,
        client_secret: app.clientSecret,
        vapid_key: 'stand-in',
      },
    };
  }

  private authorizeProblem(q: URLSearchParams): { app: FakeMastodonApp } | { error: string } {
    const app = this.apps.find((a) => a.clientId === q.get('client_id'));
    if (!app) return { error: 'Client authentication failed due to unknown client' };
    if (!app.redirectUris.includes(q.get('redirect_uri') ?? '')) return { error: 'The redirect uri is not valid' };
    if (q.get('response_type') !== 'code') return { error: 'The response type is not supported' };
    if (!q.get('code_challenge') || q.get('code_challenge_method') !== 'S256') {
      return { error: 'Code challenge required (S256)' };
    }
    return { app };
  }

  /** The authorization page: the account, the app, an Authorize and a Deny button. */
  private authorizePage(request: FakeRequest): FakeResponse {
    const found = this.authorizeProblem(request.query);
    if ('error' in found) return { status: 400, body: found.error };
    const hidden = [...request.query.entries()]
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Authorize ${escapeHtml(found.app.name)}</title></head>
<body><h1>Authorization required</h1>
<p><strong>${escapeHtml(found.app.name)}</strong> would like to access @${escapeHtml(this.options.username)} (${escapeHtml(request.query.get('scope') ?? '')}).</p>
<form method="post" action="/oauth/authorize">${hidden}<button type="submit" name="decision" value="approve" id="authorize">Authorize</button>
<button type="submit" name="decision" value="deny" id="deny">Deny</button></form></body></html>`;
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
  }

  private authorizeDecision(request: FakeRequest): FakeResponse {
    const form = new URLSearchParams(request.text);
    const found = this.authorizeProblem(form);
    if ('error' in found) return { status: 400, body: found.error };
    const target = new URL(form.get('redirect_uri')!);
    const state = form.get('state');
    if (form.get('decision') !== 'approve') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The resource owner or authorization server denied the request.');
    } else {
      const code = randomToken();
      this.grants.set(code, {
        clientId: found.app.clientId,
        redirectUri: form.get('redirect_uri')!,
        challenge: form.get('code_challenge')!,
        method: form.get('code_challenge_method')!,
        scope: form.get('scope') ?? 'read',
        used: false,
      });
      target.searchParams.set('code', code);
    }
    if (state !== null) target.searchParams.set('state', state);
    return { status: 302, headers: { location: target.toString() }, body: '' };
  }

  /** Approves the next authorization without a browser, as the Authorize button does: the redirect it would make. */
  approve(authorizeUrl: string, decision: 'approve' | 'deny' = 'approve'): string {
    const q = new URL(authorizeUrl).searchParams;
    q.set('decision', decision);
    const answer = this.authorizeDecision({
      method: 'POST',
      path: '/oauth/authorize',
      query: new URLSearchParams(),
      headers: {},
      rawBody: Buffer.from(q.toString()),
      text: q.toString(),
    });
    if (answer.status !== 302) throw new Error(`authorize refused: ${String(answer.body)}`);
    return answer.headers!['location']!;
  }

  /** `POST /oauth/token`, grant_type authorization_code: client, code, redirect_uri and the PKCE verifier checked. */
  private token(request: FakeRequest): FakeResponse {
    const p = this.params(request);
    const refuse = (status: number, error: string, why: string): FakeResponse => {
      this.tokenRefusals.push(why);
      return { status, body: { error, error_description: why } };
    };
    const app = this.apps.find((a) => a.clientId === p['client_id']);
    if (!app || app.clientSecret !== p['client_secret'])
      return refuse(401, 'invalid_client', 'client authentication failed');
    if (p['grant_type'] !== 'authorization_code') return refuse(400, 'unsupported_grant_type', 'grant type');
    const grant = this.grants.get(String(p['code'] ?? ''));
    if (!grant || grant.used || grant.clientId !== app.clientId)
      return refuse(400, 'invalid_grant', 'unknown or used code');
    if (grant.redirectUri !== p['redirect_uri']) return refuse(400, 'invalid_grant', 'redirect_uri differs');
    const verifier = typeof p['code_verifier'] === 'string' ? p['code_verifier'] : '';
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
      return refuse(400, 'invalid_grant', 'PKCE verification failed');
    }
    grant.used = true;
    const token = randomToken();
    this.issuedTokens.set(token, { revoked: false });
    return {
      status: 200,
      body: {
        access_token: token,
        token_type: 'Bearer',
        scope: grant.scope,
        created_at: Math.floor(Date.now() / 1000),
      },
    };
  }

  private verifyCredentials(request: FakeRequest): FakeResponse {
    if (!this.authorized(request)) return { status: 401, body: { error: 'The access token is invalid' } };
    const username = this.options.username;
    return {
      status: 200,
      body: {
        id: '109000000000000001',
        username,
        acct: username,
        display_name: this.options.displayName ?? username,
        url: `${this.url}/@${username}`,
        avatar: `${this.url}/avatars/${username}.png`,
        avatar_static: `${this.url}/avatars/${username}.png`,
      },
    };
  }

  private createStatus(request: FakeRequest): FakeResponse {
    if (!this.authorized(request)) return { status: 401, body: { error: 'The access token is invalid' } };

    const contentType = header(request.headers, 'content-type') ?? '';
    const params = contentType.includes('application/json')
      ? asObject(parseJson(request.text))
      : Object.fromEntries(new URLSearchParams(request.text));
    const text = typeof params['status'] === 'string' ? params['status'] : '';
    const visibility = typeof params['visibility'] === 'string' ? params['visibility'] : 'public';

    // Mastodon answers a repeated Idempotency-Key with the status it created the first time.
    const key = header(request.headers, 'idempotency-key');
    const known = key ? this.byIdempotencyKey.get(key) : undefined;
    if (known) return { status: 200, body: this.entity(known) };

    const mediaIds = mediaIdsOf(params, request.text, contentType);
    const attach = this.attachable(mediaIds);
    if ('error' in attach) return { status: 422, body: { error: attach.error } };
    if (text.trim() === '' && attach.media.length === 0) {
      return { status: 422, body: { error: "Validation failed: Text can't be blank" } };
    }
    if (mastodonCountedLength(text) > this.options.characterLimit) {
      return {
        status: 422,
        body: { error: `Validation failed: Text character limit of ${this.options.characterLimit} exceeded` },
      };
    }
    if (!['public', 'unlisted', 'private', 'direct'].includes(visibility)) {
      return { status: 422, body: { error: 'Validation failed: Visibility is not included in the list' } };
    }

    const id = String(this.nextId++);
    const status: FakeMastodonStatus = {
      id,
      text,
      media: attach.media,
      visibility,
      idempotencyKey: key,
      url: `${this.url}/@${this.options.username}/${id}`,
      uri: `${this.url}/users/${this.options.username}/statuses/${id}`,
      createdAt: new Date().toISOString(),
    };
    this.statuses.push(status);
    for (const m of attach.media) m.statusId = id;
    if (key) this.byIdempotencyKey.set(key, status);
    return { status: 200, body: this.entity(status) };
  }

  private entity(status: FakeMastodonStatus): Record<string, unknown> {
    return {
      id: status.id,
      created_at: status.createdAt,
      uri: this.options.answerUri ?? status.uri,
      url: this.options.answerUrl ?? status.url,
      visibility: status.visibility,
      content: `<p>${status.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\n/g, '<br />')}</p>`,
      account: {
        username: this.options.username,
        acct: this.options.username,
        url: `${this.url}/@${this.options.username}`,
      },
      media_attachments: status.media.map((m) => this.mediaEntity(m)),
      ...this.countFields(status.id),
    };
  }

  /** The Status entity's counts; `quotes_count` only where the instance has quote posts. */
  private countFields(id: string): Record<string, number> {
    const c = this.countsOf(id);
    return {
      replies_count: c.replies,
      reblogs_count: c.reblogs,
      favourites_count: c.favourites,
      ...(this.options.quotes ? { quotes_count: c.quotes } : {}),
    };
  }

  /** The attachments for `ids`, or Mastodon's 422 reason (PostStatusService#validate_media!). */
  private attachable(ids: string[]): { media: FakeMastodonMedia[] } | { error: string } {
    if (ids.length === 0) return { media: [] };
    if (ids.length > this.configuration.maxMediaAttachments) {
      return { error: `Cannot attach more than ${this.configuration.maxMediaAttachments} files` };
    }
    const found = ids.map((id) => this.media.find((m) => m.id === id && m.statusId === undefined));
    const missing = ids.filter((_, i) => found[i] === undefined);
    if (missing.length > 0) {
      return { error: `Media attachment with ID ${missing.join(', ')} not found or already attached to another post` };
    }
    const media = found as FakeMastodonMedia[];
    if (media.some((m) => m.pendingPolls > 0)) {
      return { error: 'Cannot attach files that have not finished processing. Try again in a moment!' };
    }
    if (media.length > 1 && media.some((m) => m.type !== 'image')) {
      return { error: 'Cannot attach a video to a post that already contains images' };
    }
    return { media };
  }

  private instance(): FakeResponse {
    const c = this.configuration;
    return {
      status: 200,
      body: {
        domain: new URL(this.url).host,
        title: 'Mastodon stand-in',
        version: '4.3.0',
        configuration: {
          urls: { streaming: this.url.replace(/^http/, 'ws') },
          accounts: { max_featured_tags: 10, max_pinned_statuses: 5 },
          statuses: {
            max_characters: c.maxCharacters,
            max_media_attachments: c.maxMediaAttachments,
            characters_reserved_per_url: c.charactersReservedPerUrl,
          },
          media_attachments: {
            supported_mime_types: c.supportedMimeTypes,
            description_limit: c.descriptionLimit,
            image_size_limit: c.imageSizeLimit,
            image_matrix_limit: c.imageMatrixLimit,
            video_size_limit: c.videoSizeLimit,
            video_frame_rate_limit: c.videoFrameRateLimit,
            video_matrix_limit: c.videoMatrixLimit,
          },
          polls: { max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 },
        },
      },
    };
  }

  /** The `nth` media upload from now (1 = the next) answers `status` and stores nothing. */
  failMediaUpload(nth: number, status = 503): this {
    this.uploadFailures.set(this.uploadsSeen + nth, status);
    return this;
  }

  private async uploadMedia(request: FakeRequest): Promise<FakeResponse> {
    if (!this.authorized(request)) return { status: 401, body: { error: 'The access token is invalid' } };
    const failWith = this.uploadFailures.get(++this.uploadsSeen);
    if (failWith !== undefined) return { status: failWith, body: { error: 'Service unavailable' } };
    const form = await parseMultipart(request);
    if (!form) return { status: 422, body: { error: 'Validation failed: File must be a multipart upload' } };
    const file = form.files.get('file');
    if (!file) return { status: 422, body: { error: "Validation failed: File can't be blank" } };
    const c = this.configuration;
    if (!c.supportedMimeTypes.includes(file.mimeType)) {
      return {
        status: 422,
        body: { error: 'Validation failed: File content type is invalid, File file type is invalid' },
      };
    }
    const isImage = file.mimeType.startsWith('image/');
    const limit = isImage ? c.imageSizeLimit : c.videoSizeLimit;
    if (file.data.length > limit) {
      return {
        status: 422,
        body: { error: `Validation failed: File file size must be less than ${Math.round(limit / 1024 / 1024)} MB` },
      };
    }
    const description = form.fields.get('description') ?? null;
    if (description !== null && [...segmenter.segment(description)].length > c.descriptionLimit) {
      return {
        status: 422,
        body: { error: `Validation failed: Description is too long (maximum is ${c.descriptionLimit} characters)` },
      };
    }
    let focus: { x: number; y: number } | null = null;
    const focusText = form.fields.get('focus');
    if (focusText !== undefined) {
      const [x, y] = focusText.split(',').map(Number);
      if (x === undefined || y === undefined || !(Math.abs(x) <= 1 && Math.abs(y) <= 1)) {
        return { status: 422, body: { error: 'Validation failed: Focus is invalid' } };
      }
      focus = { x, y };
    }
    let width: number | undefined;
    let height: number | undefined;
    if (isImage) {
      try {
        const meta = await sharp(file.data).metadata();
        width = meta.width;
        height = meta.height;
      } catch {
        return { status: 422, body: { error: 'Validation failed: File could not be processed' } };
      }
      if ((width ?? 0) * (height ?? 0) > c.imageMatrixLimit) {
        return { status: 422, body: { error: 'Validation failed: File dimensions are too large' } };
      }
    }
    const async = !isImage || file.mimeType === 'image/gif' || file.data.length > this.options.asyncImageBytes;
    const media: FakeMastodonMedia = {
      id: String(this.nextMediaId++),
      type: isImage ? (file.mimeType === 'image/gif' ? 'gifv' : 'image') : 'video',
      mimeType: file.mimeType,
      bytes: file.data.length,
      sha256: createHash('sha256').update(file.data).digest('hex'),
      description,
      focus,
      width,
      height,
      pendingPolls: async ? this.options.processingPolls : 0,
    };
    this.media.push(media);
    return { status: async ? 202 : 200, body: this.mediaEntity(media) };
  }

  private showMedia(request: FakeRequest, id: string): FakeResponse {
    if (!this.authorized(request)) return { status: 401, body: { error: 'The access token is invalid' } };
    // Mastodon finds only the account's attachments not yet attached to a status.
    const media = this.media.find((m) => m.id === id && m.statusId === undefined);
    if (!media) return { status: 404, body: { error: 'Record not found' } };
    if (media.pendingPolls > 0) {
      media.pendingPolls--;
      return { status: 206, body: this.mediaEntity({ ...media, pendingPolls: 1 }) };
    }
    return { status: 200, body: this.mediaEntity(media) };
  }

  private mediaEntity(media: FakeMastodonMedia): Record<string, unknown> {
    const processed = media.pendingPolls === 0;
    return {
      id: media.id,
      type: media.type,
      url: processed ? `${this.url}/system/media_attachments/${media.id}/original` : null,
      preview_url: `${this.url}/system/media_attachments/${media.id}/small`,
      remote_url: null,
      description: media.description,
      blurhash: null,
      meta: {
        ...(media.focus ? { focus: media.focus } : {}),
        ...(media.width && media.height
          ? {
              original: {
                width: media.width,
                height: media.height,
                size: `${media.width}x${media.height}`,
                aspect: media.width / media.height,
              },
            }
          : {}),
      },
    };
  }
}

/** `media_ids` from a JSON body (an array) or a form body (`media_ids[]` repeated). */
function mediaIdsOf(params: Record<string, unknown>, text: string, contentType: string): string[] {
  if (contentType.includes('application/json')) {
    const ids = params['media_ids'];
    return Array.isArray(ids) ? ids.map(String) : [];
  }
  return new URLSearchParams(text).getAll('media_ids[]');
}

interface ParsedMultipart {
  fields: Map<string, string>;
  files: Map<string, { mimeType: string; filename: string; data: Buffer }>;
}

/** The multipart body (busboy, as a Rack server would parse it), or null when it is not one. */
function parseMultipart(request: FakeRequest): Promise<ParsedMultipart | null> {
  const contentType = header(request.headers, 'content-type') ?? '';
  if (!contentType.startsWith('multipart/form-data')) return Promise.resolve(null);
  return new Promise((resolve) => {
    const out: ParsedMultipart = { fields: new Map(), files: new Map() };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers });
    } catch {
      resolve(null);
      return;
    }
    parser.on('field', (name, value) => out.fields.set(name, value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        out.files.set(name, { mimeType: info.mimeType, filename: info.filename ?? '', data: Buffer.concat(chunks) }),
      );
    });
    parser.on('close', () => resolve(out));
    parser.on('error', () => resolve(null));
    parser.end(request.rawBody);
  });
}

function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
