import { createHash } from 'node:crypto';
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
 */
export class MastodonFake extends HttpFake {
  readonly statuses: FakeMastodonStatus[] = [];
  /** Every attachment uploaded, attached or not, in upload order. */
  readonly media: FakeMastodonMedia[] = [];
  private readonly byIdempotencyKey = new Map<string, FakeMastodonStatus>();
  private nextId = 110_000_000_000_000_001n;
  private nextMediaId = 112_000_000_000_000_001n;
  private readonly options: Required<
    Omit<MastodonFakeOptions, 'latencyMs' | 'answerUrl' | 'answerUri' | 'configuration'>
  > &
    Pick<MastodonFakeOptions, 'answerUrl' | 'answerUri'>;
  readonly configuration: MastodonInstanceConfiguration;
  private uploadsSeen = 0;
  private readonly uploadFailures = new Map<number, number>();

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

  protected override async handle(request: FakeRequest): Promise<FakeResponse> {
    if (request.method === 'POST' && request.path === '/api/v1/statuses') return this.createStatus(request);
    if (request.method === 'POST' && request.path === '/api/v2/media') return this.uploadMedia(request);
    if (request.method === 'GET' && request.path === '/api/v2/instance') return this.instance();
    const media = /^\/api\/v1\/media\/(\d+)$/.exec(request.path);
    if (request.method === 'GET' && media) return this.showMedia(request, media[1]!);
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
