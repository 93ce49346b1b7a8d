import { asObject, header, HttpFake, parseJson, type FakeRequest, type FakeResponse } from './http-fake';

/** A status as the fake stored it. */
export interface FakeMastodonStatus {
  id: string;
  text: string;
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
  /** Character limit (default 500, as stock Mastodon). */
  characterLimit?: number;
  /** What it answers as the status's `url` and `uri` instead of its own (a hostile instance: `javascript:...`). */
  answerUrl?: string;
  answerUri?: string;
  latencyMs?: number;
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
 */
export class MastodonFake extends HttpFake {
  readonly statuses: FakeMastodonStatus[] = [];
  private readonly byIdempotencyKey = new Map<string, FakeMastodonStatus>();
  private nextId = 110_000_000_000_000_001n;
  private readonly options: Required<Omit<MastodonFakeOptions, 'latencyMs' | 'answerUrl' | 'answerUri'>> &
    Pick<MastodonFakeOptions, 'answerUrl' | 'answerUri'>;

  constructor(options: MastodonFakeOptions) {
    super({ latencyMs: options.latencyMs });
    this.options = { username: 'palinsesto', characterLimit: 500, ...options };
  }

  protected override handle(request: FakeRequest): FakeResponse {
    if (request.method === 'POST' && request.path === '/api/v1/statuses') return this.createStatus(request);
    const show = /^\/api\/v1\/statuses\/(\d+)$/.exec(request.path);
    if (request.method === 'GET' && show) {
      const status = this.statuses.find((s) => s.id === show[1]);
      return status ? { status: 200, body: this.entity(status) } : { status: 404, body: { error: 'Record not found' } };
    }
    return { status: 404, body: { error: 'Record not found' } };
  }

  private authorized(request: FakeRequest): boolean {
    return header(request.headers, 'authorization') === `Bearer ${this.options.accessToken}`;
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

    if (text.trim() === '') return { status: 422, body: { error: "Validation failed: Text can't be blank" } };
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
      visibility,
      idempotencyKey: key,
      url: `${this.url}/@${this.options.username}/${id}`,
      uri: `${this.url}/users/${this.options.username}/statuses/${id}`,
      createdAt: new Date().toISOString(),
    };
    this.statuses.push(status);
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
      media_attachments: [],
    };
  }
}
