import { createHash, randomUUID } from 'node:crypto';
import { asObject, header, HttpFake, parseJson, type FakeRequest, type FakeResponse } from './http-fake';

export interface FakeBlueskyRecord {
  repo: string;
  collection: string;
  rkey: string;
  uri: string;
  cid: string;
  value: Record<string, unknown>;
}

/** A blob as the fake stored it (uploadBlob, or the video service's output). */
export interface FakeBlob {
  cid: string;
  mimeType: string;
  size: number;
  sha256: string;
  data: Buffer;
}

/** A video job of the stand-in video service. */
export interface FakeVideoJob {
  jobId: string;
  did: string;
  name: string;
  /** getJobStatus answers still to give before it completes. */
  pendingPolls: number;
  fail: boolean;
  blob: FakeBlob;
}

export interface BlueskyFakeOptions {
  handle: string;
  /** The app password createSession accepts. */
  password: string;
  did?: string;
  /** Other accounts resolveHandle knows: handle -> did. */
  knownHandles?: Record<string, string>;
  /**
   * How a createRecord on a taken rkey is answered: `invalid-request` (400 InvalidRequest
   * "Record already exists", the default) or `internal-error` (500, what the reference PDS
   * answers today).
   */
  duplicateAnswer?: 'invalid-request' | 'internal-error';
  latencyMs?: number;
  /** Largest body uploadBlob takes (default 100,000,000; the PDS's upload limit, 413 above). */
  blobUploadLimit?: number;
  /** How many getJobStatus answers a video job is in progress before it completes (default 2). */
  videoJobPolls?: number;
  /** The video service's answer to getUploadLimits (default: can upload). */
  videoUploadLimits?: { canUpload: boolean; remainingDailyVideos?: number; remainingDailyBytes?: number };
}

/** A post's counts as app.bsky.feed.getPosts answers them (all 0 until set). */
export interface FakeBlueskyCounts {
  likes: number;
  reposts: number;
  replies: number;
  quotes: number;
}

/** app.bsky.feed.getPosts: `uris` has maxLength 25 (lexicons/app/bsky/feed/getPosts.json). */
export const GET_POSTS_MAX_URIS = 25;

/** Lexicon limits the fake validates records against (app.bsky.embed.*). */
const IMAGE_MAX_SIZE = 1_000_000;
const VIDEO_MAX_SIZE = 100_000_000;
const MAX_IMAGES = 4;

const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;
const RECORD_KEY = /^[A-Za-z0-9._:~-]{1,512}$/;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const FACET_FEATURES = new Set([
  'app.bsky.richtext.facet#link',
  'app.bsky.richtext.facet#mention',
  'app.bsky.richtext.facet#tag',
]);

function xrpcError(status: number, error: string, message: string): FakeResponse {
  return { status, body: { error, message } };
}

/**
 * Stand-in for a Bluesky PDS speaking the XRPC calls the adapter uses: createSession,
 * refreshSession, createRecord (token check, 300-grapheme and 3000-byte limits, facet
 * offsets, TID rkey syntax, one record per rkey), getRecord and resolveHandle.
 *
 * Media: uploadBlob (its upload limit: 413), getServiceAuth (service tokens with aud and
 * lxm), and the video service on the same server (getUploadLimits, uploadVideo with a
 * token for the PDS's uploadBlob, getJobStatus in progress, then JOB_STATE_COMPLETED with the
 * blob). Records' embeds are validated as app.bsky.embed.images (at most 4, alt, blobs that
 * were uploaded, image/*, at most 1,000,000 bytes, integer aspect ratios), .video (an
 * uploaded video/mp4 blob) and .external (uri, title, description, thumb).
 *
 * Counts (metrics collection): app.bsky.feed.getPosts answers post views with likeCount,
 * repostCount, replyCount and quoteCount set by the test (setCounts/addCounts), leaves out
 * deleted posts (deletePost), refuses more than 25 uris, and records each call's size
 * (getPostsBatches). Rate limits and delays: HttpFake's failNext and setLatency.
 */
export class BlueskyFake extends HttpFake {
  readonly records: FakeBlueskyRecord[] = [];
  readonly did: string;
  /** How many sessions were created / refreshed (to see that the session is reused). */
  createSessionCalls = 0;
  refreshSessionCalls = 0;
  private readonly accessTokens = new Map<string, 'valid' | 'expired'>();
  private readonly refreshTokens = new Set<string>();
  /** Every blob uploaded (uploadBlob) or made by the video service, by cid. */
  readonly blobs = new Map<string, FakeBlob>();
  readonly videoJobs: FakeVideoJob[] = [];
  /** Service tokens issued by getServiceAuth: token -> audience and method. */
  readonly serviceTokens = new Map<string, { aud: string; lxm: string; exp: number }>();
  private readonly options: BlueskyFakeOptions;
  private tidCounter = 0;
  /** Counts per post uri (setCounts/addCounts); a post without an entry has 0 of each. */
  private readonly counts = new Map<string, FakeBlueskyCounts>();
  /** Posts getPosts knows besides the records created through the fake (seedPosts: benchmarks). */
  private readonly seeded = new Set<string>();
  /** Posts deleted (deletePost): getPosts leaves them out, as the AppView does. */
  private readonly deletedPosts = new Set<string>();
  /** How many uris each getPosts carried, in order (the lexicon allows at most 25). */
  readonly getPostsBatches: number[] = [];

  constructor(options: BlueskyFakeOptions) {
    super({ latencyMs: options.latencyMs });
    this.options = options;
    this.did = options.did ?? `did:plc:${createHash('sha256').update(options.handle).digest('hex').slice(0, 24)}`;
  }

  /** Every access token issued so far now answers 400 ExpiredToken. */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, 'expired');
  }

  /** Every token issued so far (access and refresh) is forgotten: only a new session works. */
  revokeSessions(): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
  }

  /** Sets a post's counts (the rest keep their value); counts change over time as the test says. */
  setCounts(uri: string, counts: Partial<FakeBlueskyCounts>): this {
    this.counts.set(uri, { ...this.countsOf(uri), ...counts });
    return this;
  }

  /** Adds to a post's counts (a post gaining likes as time goes by). */
  addCounts(uri: string, more: Partial<FakeBlueskyCounts>): this {
    const now = this.countsOf(uri);
    return this.setCounts(uri, {
      likes: now.likes + (more.likes ?? 0),
      reposts: now.reposts + (more.reposts ?? 0),
      replies: now.replies + (more.replies ?? 0),
      quotes: now.quotes + (more.quotes ?? 0),
    });
  }

  countsOf(uri: string): FakeBlueskyCounts {
    return this.counts.get(uri) ?? { likes: 0, reposts: 0, replies: 0, quotes: 0 };
  }

  /** Posts that getPosts knows without a createRecord (a benchmark's thousands of published posts). */
  seedPosts(uris: Iterable<string>): this {
    for (const uri of uris) this.seeded.add(uri);
    return this;
  }

  /** The post is deleted: getPosts leaves it out of its answer from now on (no error, as the AppView). */
  deletePost(uri: string): this {
    this.deletedPosts.add(uri);
    return this;
  }

  protected override failureBody(status: number): unknown {
    return status === 429
      ? { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }
      : { error: 'InternalServerError', message: 'Internal Server Error' };
  }

  /** What the PLC directory stand-in answers for this account's DID (GET /<did>). */
  didDocument(): Record<string, unknown> {
    return {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: this.did,
      alsoKnownAs: [`at://${this.options.handle}`],
      service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: this.url }],
    };
  }

  protected override handle(request: FakeRequest): FakeResponse {
    if (request.method === 'GET' && request.path.startsWith('/did:')) {
      // The PLC directory stand-in: this account's DID document, 404 for any other DID.
      return decodeURIComponent(request.path.slice(1)) === this.did
        ? { status: 200, body: this.didDocument() }
        : { status: 404, body: { message: `DID not registered: ${request.path.slice(1)}` } };
    }
    const nsid = request.path.startsWith('/xrpc/') ? request.path.slice('/xrpc/'.length) : '';
    switch (`${request.method} ${nsid}`) {
      case 'POST com.atproto.server.createSession':
        return this.createSession(request);
      case 'POST com.atproto.server.refreshSession':
        return this.refreshSession(request);
      case 'POST com.atproto.repo.createRecord':
        return this.createRecord(request);
      case 'GET com.atproto.repo.getRecord':
        return this.getRecord(request);
      case 'GET com.atproto.identity.resolveHandle':
        return this.resolveHandle(request);
      case 'GET app.bsky.feed.getPosts':
        return this.getPosts(request);
      case 'POST com.atproto.repo.applyWrites':
        return this.applyWrites(request);
      case 'POST com.atproto.repo.uploadBlob':
        return this.uploadBlob(request);
      case 'GET com.atproto.server.getServiceAuth':
        return this.getServiceAuth(request);
      case 'GET app.bsky.video.getUploadLimits':
        return this.getUploadLimits(request);
      case 'POST app.bsky.video.uploadVideo':
        return this.uploadVideo(request);
      case 'GET app.bsky.video.getJobStatus':
        return this.getJobStatus(request);
      default:
        return xrpcError(501, 'MethodNotImplemented', 'Method Not Implemented');
    }
  }

  private issueSession(): FakeResponse {
    const accessJwt = `fake-access.${randomUUID()}`;
    const refreshJwt = `fake-refresh.${randomUUID()}`;
    this.accessTokens.set(accessJwt, 'valid');
    this.refreshTokens.add(refreshJwt);
    return {
      status: 200,
      body: {
        accessJwt,
        refreshJwt,
        did: this.did,
        handle: this.options.handle,
        active: true,
        didDoc: this.didDocument(),
      },
    };
  }

  private createSession(request: FakeRequest): FakeResponse {
    this.createSessionCalls++;
    const body = asObject(parseJson(request.text));
    const identifier = body['identifier'];
    const ok =
      (identifier === this.options.handle || identifier === this.did) && body['password'] === this.options.password;
    if (!ok) return xrpcError(401, 'AuthenticationRequired', 'Invalid identifier or password');
    return this.issueSession();
  }

  private refreshSession(request: FakeRequest): FakeResponse {
    this.refreshSessionCalls++;
    const token = this.bearer(request);
    if (!token || !this.refreshTokens.has(token)) return xrpcError(400, 'ExpiredToken', 'Token has been revoked');
    this.refreshTokens.delete(token);
    return this.issueSession();
  }

  private bearer(request: FakeRequest): string | undefined {
    const auth = header(request.headers, 'authorization');
    return auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
  }

  /** null when the access token is fine, else the XRPC error to answer. */
  private authError(request: FakeRequest): FakeResponse | null {
    const token = this.bearer(request);
    if (!token) return xrpcError(401, 'AuthenticationRequired', 'Authentication Required');
    const state = this.accessTokens.get(token);
    if (state === undefined) return xrpcError(401, 'InvalidToken', 'Token could not be verified');
    if (state === 'expired') return xrpcError(400, 'ExpiredToken', 'Token has expired');
    return null;
  }

  private nextTid(): string {
    const alphabet = '234567abcdefghijklmnopqrstuvwxyz';
    let value = (BigInt(Date.now()) * 1000n + BigInt(this.tidCounter++ % 1000)) << 10n;
    let out = '';
    for (let i = 0; i < 13; i++) {
      out = alphabet[Number(value & 31n)] + out;
      value >>= 5n;
    }
    return out;
  }

  private createRecord(request: FakeRequest): FakeResponse {
    const denied = this.authError(request);
    if (denied) return denied;
    const input = asObject(parseJson(request.text));
    const repo = input['repo'];
    if (repo !== this.did && repo !== this.options.handle)
      return xrpcError(400, 'InvalidRequest', `Could not find repo: ${String(repo)}`);
    const collection = input['collection'];
    if (collection !== 'app.bsky.feed.post')
      return xrpcError(400, 'InvalidRequest', 'This fake only stores app.bsky.feed.post');
    const record = asObject(input['record']);
    const invalid = this.validatePost(record);
    if (invalid) return xrpcError(400, 'InvalidRequest', `Invalid app.bsky.feed.post record: ${invalid}`);

    const rkeyInput = input['rkey'];
    if (
      rkeyInput !== undefined &&
      (typeof rkeyInput !== 'string' || !RECORD_KEY.test(rkeyInput) || !TID.test(rkeyInput))
    ) {
      return xrpcError(400, 'InvalidRequest', 'Invalid record key: app.bsky.feed.post keys must be TIDs');
    }
    const rkey = typeof rkeyInput === 'string' ? rkeyInput : this.nextTid();
    if (this.records.some((r) => r.collection === collection && r.rkey === rkey)) {
      return this.options.duplicateAnswer === 'internal-error'
        ? xrpcError(500, 'InternalServerError', 'Internal Server Error')
        : xrpcError(400, 'InvalidRequest', 'Record already exists');
    }

    const uri = `at://${this.did}/${collection}/${rkey}`;
    const cid = `bafyrei${createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 52)}`;
    this.records.push({ repo: this.did, collection, rkey, uri, cid, value: record });
    return {
      status: 200,
      body: { uri, cid, commit: { cid: `bafyreicommit${this.records.length}`, rev: rkey }, validationStatus: 'valid' },
    };
  }

  /** applyWrites with `#create` operations: every record validated as createRecord does; all or nothing. */
  private applyWrites(request: FakeRequest): FakeResponse {
    const denied = this.authError(request);
    if (denied) return denied;
    const input = asObject(parseJson(request.text));
    if (input['repo'] !== this.did && input['repo'] !== this.options.handle) {
      return xrpcError(400, 'InvalidRequest', `Could not find repo: ${String(input['repo'])}`);
    }
    const writes = input['writes'];
    if (!Array.isArray(writes) || writes.length === 0)
      return xrpcError(400, 'InvalidRequest', 'writes must not be empty');
    const planned: FakeBlueskyRecord[] = [];
    for (const [i, value] of writes.entries()) {
      const write = asObject(value);
      if (write['$type'] !== 'com.atproto.repo.applyWrites#create') {
        return xrpcError(400, 'InvalidRequest', `writes/${i}: this fake only applies creates`);
      }
      if (write['collection'] !== 'app.bsky.feed.post') {
        return xrpcError(400, 'InvalidRequest', 'This fake only stores app.bsky.feed.post');
      }
      const record = asObject(write['value']);
      const invalid = this.validatePost(record);
      if (invalid) return xrpcError(400, 'InvalidRequest', `Invalid app.bsky.feed.post record: ${invalid}`);
      const rkeyInput = write['rkey'];
      if (rkeyInput !== undefined && (typeof rkeyInput !== 'string' || !TID.test(rkeyInput))) {
        return xrpcError(400, 'InvalidRequest', 'Invalid record key: app.bsky.feed.post keys must be TIDs');
      }
      const rkey = typeof rkeyInput === 'string' ? rkeyInput : this.nextTid();
      if ([...this.records, ...planned].some((r) => r.rkey === rkey)) {
        return xrpcError(400, 'InvalidRequest', 'Record already exists');
      }
      const uri = `at://${this.did}/app.bsky.feed.post/${rkey}`;
      const cid = `bafyrei${createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 52)}`;
      planned.push({ repo: this.did, collection: 'app.bsky.feed.post', rkey, uri, cid, value: record });
    }
    this.records.push(...planned);
    return {
      status: 200,
      body: {
        commit: { cid: `bafyreicommit${this.records.length}`, rev: planned.at(-1)!.rkey },
        results: planned.map((r) => ({
          $type: 'com.atproto.repo.applyWrites#createResult',
          uri: r.uri,
          cid: r.cid,
          validationStatus: 'valid',
        })),
      },
    };
  }

  /** A reason the post record is invalid, or null. */
  private validatePost(record: Record<string, unknown>): string | null {
    if (record['$type'] !== undefined && record['$type'] !== 'app.bsky.feed.post')
      return 'Record/$type must be app.bsky.feed.post';
    const text = record['text'];
    if (typeof text !== 'string') return 'Record must have the property "text"';
    if ([...segmenter.segment(text)].length > 300) return 'Record/text must not be longer than 300 graphemes';
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > 3000) return 'Record/text must not be longer than 3000 characters';
    if (typeof record['createdAt'] !== 'string' || Number.isNaN(Date.parse(record['createdAt']))) {
      return 'Record/createdAt must be a valid datetime';
    }
    if (record['embed'] !== undefined) {
      const invalid = this.validateEmbed(asObject(record['embed']));
      if (invalid) return invalid;
    }
    const facets = record['facets'];
    if (facets === undefined) return null;
    if (!Array.isArray(facets)) return 'Record/facets must be an array';
    for (const [i, facetValue] of facets.entries()) {
      const facet = asObject(facetValue);
      const index = asObject(facet['index']);
      const start = index['byteStart'];
      const end = index['byteEnd'];
      if (typeof start !== 'number' || typeof end !== 'number' || start < 0 || end <= start || end > bytes) {
        return `Record/facets/${i}/index is out of the text's bytes`;
      }
      const features = facet['features'];
      if (!Array.isArray(features) || features.length === 0) return `Record/facets/${i}/features must not be empty`;
      for (const featureValue of features) {
        const feature = asObject(featureValue);
        const type = feature['$type'];
        if (typeof type !== 'string' || !FACET_FEATURES.has(type))
          return `Record/facets/${i}/features has an unknown $type`;
        if (type.endsWith('#mention') && !(typeof feature['did'] === 'string' && feature['did'].startsWith('did:'))) {
          return `Record/facets/${i}/features/did must be a valid did`;
        }
      }
    }
    return null;
  }

  /** A reason `value` is not a blob ref to an uploaded blob of `accept` type and at most `maxSize`, or null. */
  private blobProblem(value: unknown, path: string, accept: RegExp, maxSize: number): string | null {
    const blob = asObject(value);
    const link = asObject(blob['ref'])['$link'];
    if (blob['$type'] !== 'blob' || typeof link !== 'string') return `${path} should be a blob ref`;
    const stored = this.blobs.get(link);
    if (!stored) return `Could not find blob: ${link}`;
    if (blob['mimeType'] !== stored.mimeType || blob['size'] !== stored.size) return `${path} does not match the blob`;
    if (!accept.test(stored.mimeType)) return `${path} has an unaccepted MIME type: ${stored.mimeType}`;
    if (stored.size > maxSize) return `${path} file too large (${stored.size} bytes; max ${maxSize})`;
    return null;
  }

  private aspectRatioProblem(value: unknown, path: string): string | null {
    if (value === undefined) return null;
    const ratio = asObject(value);
    for (const key of ['width', 'height']) {
      const n = ratio[key];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
        return `${path}/${key} must be an integer of 1 or more`;
    }
    return null;
  }

  /** app.bsky.embed.images, .video and .external as their lexicons say. */
  private validateEmbed(embed: Record<string, unknown>): string | null {
    switch (embed['$type']) {
      case 'app.bsky.embed.images': {
        const images = embed['images'];
        if (!Array.isArray(images) || images.length === 0) return 'Record/embed/images must be a non-empty array';
        if (images.length > MAX_IMAGES) return `Record/embed/images must not have more than ${MAX_IMAGES} elements`;
        for (const [i, value] of images.entries()) {
          const image = asObject(value);
          const path = `Record/embed/images/${i}`;
          if (typeof image['alt'] !== 'string') return `${path} must have the property "alt"`;
          const problem =
            this.blobProblem(image['image'], `${path}/image`, /^image\//, IMAGE_MAX_SIZE) ??
            this.aspectRatioProblem(image['aspectRatio'], `${path}/aspectRatio`);
          if (problem) return problem;
        }
        return null;
      }
      case 'app.bsky.embed.video': {
        if (embed['alt'] !== undefined && typeof embed['alt'] !== 'string') return 'Record/embed/alt must be a string';
        return (
          this.blobProblem(embed['video'], 'Record/embed/video', /^video\/mp4$/, VIDEO_MAX_SIZE) ??
          this.aspectRatioProblem(embed['aspectRatio'], 'Record/embed/aspectRatio')
        );
      }
      case 'app.bsky.embed.external': {
        const external = asObject(embed['external']);
        for (const key of ['uri', 'title', 'description']) {
          if (typeof external[key] !== 'string') return `Record/embed/external must have the property "${key}"`;
        }
        if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(external['uri'] as string))
          return 'Record/embed/external/uri must be a uri';
        if (external['thumb'] !== undefined) {
          return this.blobProblem(external['thumb'], 'Record/embed/external/thumb', /^image\//, IMAGE_MAX_SIZE);
        }
        return null;
      }
      default:
        return 'Record/embed has an unknown $type';
    }
  }

  private storeBlob(data: Buffer, mimeType: string): FakeBlob {
    const sha256 = createHash('sha256').update(data).digest('hex');
    const blob: FakeBlob = { cid: `bafkrei${sha256.slice(0, 52)}`, mimeType, size: data.length, sha256, data };
    this.blobs.set(blob.cid, blob);
    return blob;
  }

  private blobRef(blob: FakeBlob): Record<string, unknown> {
    return { $type: 'blob', ref: { $link: blob.cid }, mimeType: blob.mimeType, size: blob.size };
  }

  private blobUploadsSeen = 0;
  private readonly blobUploadFailures = new Map<number, number>();

  /** The `nth` uploadBlob from now (1 = the next) answers `status` and stores nothing. */
  failBlobUpload(nth: number, status = 503): this {
    this.blobUploadFailures.set(this.blobUploadsSeen + nth, status);
    return this;
  }

  private uploadBlob(request: FakeRequest): FakeResponse {
    const denied = this.authError(request);
    if (denied) return denied;
    const failWith = this.blobUploadFailures.get(++this.blobUploadsSeen);
    if (failWith !== undefined) return xrpcError(failWith, 'InternalServerError', 'Internal Server Error');
    if (request.rawBody.length > (this.options.blobUploadLimit ?? 100_000_000)) {
      return xrpcError(413, 'PayloadTooLarge', 'request entity too large');
    }
    const mimeType = header(request.headers, 'content-type') ?? 'application/octet-stream';
    return { status: 200, body: { blob: this.blobRef(this.storeBlob(request.rawBody, mimeType)) } };
  }

  /** `did:web:` of this server (the PDS, and the video service: both are this fake). */
  get didWeb(): string {
    const url = new URL(this.url);
    return `did:web:${url.hostname}%3A${url.port}`;
  }

  private getServiceAuth(request: FakeRequest): FakeResponse {
    const denied = this.authError(request);
    if (denied) return denied;
    const aud = request.query.get('aud');
    const lxm = request.query.get('lxm') ?? '';
    const exp = Number(request.query.get('exp') ?? Math.floor(Date.now() / 1000) + 60);
    if (!aud || !aud.startsWith('did:'))
      return xrpcError(400, 'InvalidRequest', 'Error: Params must have the property "aud"');
    const token = `fake-service.${randomUUID()}`;
    this.serviceTokens.set(token, { aud, lxm, exp });
    return { status: 200, body: { token } };
  }

  /** null when the request carries a service token for `aud` and `lxm`, else the error. */
  private serviceAuthError(request: FakeRequest, aud: string, lxm: string): FakeResponse | null {
    const token = this.bearer(request);
    const grant = token ? this.serviceTokens.get(token) : undefined;
    if (!grant) return xrpcError(401, 'AuthenticationRequired', 'Authentication Required');
    if (grant.aud !== aud) return xrpcError(401, 'BadJwtAudience', 'jwt audience does not match service did');
    if (grant.lxm !== lxm) return xrpcError(401, 'BadJwtLexiconMethod', 'jwt lexicon method does not match');
    return null;
  }

  private getUploadLimits(request: FakeRequest): FakeResponse {
    const denied = this.serviceAuthError(request, this.didWeb, 'app.bsky.video.getUploadLimits');
    if (denied) return denied;
    const limits = this.options.videoUploadLimits ?? { canUpload: true };
    return {
      status: 200,
      body: {
        canUpload: limits.canUpload,
        remainingDailyVideos: limits.remainingDailyVideos ?? 25,
        remainingDailyBytes: limits.remainingDailyBytes ?? 10 * 1024 * 1024 * 1024,
        ...(limits.canUpload ? {} : { message: 'You have exceeded your daily upload limit', error: 'LimitExceeded' }),
      },
    };
  }

  private uploadVideo(request: FakeRequest): FakeResponse {
    // The video service stores the processed video with the user's PDS: the token is for the PDS's uploadBlob.
    const denied = this.serviceAuthError(request, this.didWeb, 'com.atproto.repo.uploadBlob');
    if (denied) return denied;
    const did = request.query.get('did');
    const name = request.query.get('name');
    if (did !== this.did || !name) return xrpcError(400, 'InvalidRequest', 'did and name are required');
    const mimeType = header(request.headers, 'content-type') ?? '';
    if (!/^video\//.test(mimeType)) return xrpcError(400, 'InvalidRequest', 'unsupported content type');
    if (request.rawBody.length > VIDEO_MAX_SIZE) return xrpcError(413, 'PayloadTooLarge', 'video too large');
    const job: FakeVideoJob = {
      jobId: `job-${randomUUID()}`,
      did,
      name,
      pendingPolls: this.options.videoJobPolls ?? 2,
      fail: false,
      blob: this.storeBlob(request.rawBody, 'video/mp4'),
    };
    this.blobs.delete(job.blob.cid); // stored once processed
    this.videoJobs.push(job);
    return { status: 200, body: { jobStatus: { jobId: job.jobId, did, state: 'JOB_STATE_CREATED', progress: 0 } } };
  }

  private getJobStatus(request: FakeRequest): FakeResponse {
    const job = this.videoJobs.find((j) => j.jobId === request.query.get('jobId'));
    if (!job) return xrpcError(404, 'NotFound', 'job not found');
    if (job.fail) {
      return {
        status: 200,
        body: { jobStatus: { jobId: job.jobId, did: job.did, state: 'JOB_STATE_FAILED', error: 'internal error' } },
      };
    }
    if (job.pendingPolls > 0) {
      job.pendingPolls--;
      return {
        status: 200,
        body: { jobStatus: { jobId: job.jobId, did: job.did, state: 'JOB_STATE_ENCODING', progress: 50 } },
      };
    }
    this.blobs.set(job.blob.cid, job.blob);
    return {
      status: 200,
      body: {
        jobStatus: {
          jobId: job.jobId,
          did: job.did,
          state: 'JOB_STATE_COMPLETED',
          progress: 100,
          blob: this.blobRef(job.blob),
        },
      },
    };
  }

  private getRecord(request: FakeRequest): FakeResponse {
    const repo = request.query.get('repo');
    const collection = request.query.get('collection');
    const rkey = request.query.get('rkey');
    const found = this.records.find(
      (r) => (repo === r.repo || repo === this.options.handle) && r.collection === collection && r.rkey === rkey,
    );
    if (!found) {
      return xrpcError(
        400,
        'RecordNotFound',
        `Could not locate record: at://${repo ?? ''}/${collection ?? ''}/${rkey ?? ''}`,
      );
    }
    return { status: 200, body: { uri: found.uri, cid: found.cid, value: found.value } };
  }

  /**
   * `app.bsky.feed.getPosts?uris=...&uris=...` through the PDS (session token checked): the
   * post views of the uris it knows, in the order asked, with likeCount, repostCount,
   * replyCount and quoteCount; unknown or deleted posts are left out, as the AppView does.
   * More than 25 uris is the lexicon's 400.
   */
  private getPosts(request: FakeRequest): FakeResponse {
    const denied = this.authError(request);
    if (denied) return denied;
    const uris = request.query.getAll('uris');
    this.getPostsBatches.push(uris.length);
    if (uris.length === 0) return xrpcError(400, 'InvalidRequest', 'Error: Params must have the property "uris"');
    if (uris.length > GET_POSTS_MAX_URIS) {
      return xrpcError(400, 'InvalidRequest', `Error: uris must not have more than ${GET_POSTS_MAX_URIS} elements`);
    }
    const posts: Record<string, unknown>[] = [];
    for (const uri of uris) {
      if (this.deletedPosts.has(uri)) continue;
      const record = this.records.find((r) => r.uri === uri);
      if (!record && !this.seeded.has(uri)) continue;
      const c = this.countsOf(uri);
      posts.push({
        uri,
        cid: record?.cid ?? `bafyrei${createHash('sha256').update(uri).digest('hex').slice(0, 52)}`,
        author: { did: this.did, handle: this.options.handle },
        record: record?.value ?? { $type: 'app.bsky.feed.post', text: '', createdAt: new Date(0).toISOString() },
        replyCount: c.replies,
        repostCount: c.reposts,
        likeCount: c.likes,
        quoteCount: c.quotes,
        indexedAt: new Date().toISOString(),
      });
    }
    return { status: 200, body: { posts } };
  }

  private resolveHandle(request: FakeRequest): FakeResponse {
    const handle = request.query.get('handle')?.toLowerCase();
    if (!handle) return xrpcError(400, 'InvalidRequest', 'Error: Params must have the property "handle"');
    if (handle === this.options.handle.toLowerCase()) return { status: 200, body: { did: this.did } };
    const known = Object.entries(this.options.knownHandles ?? {}).find(([h]) => h.toLowerCase() === handle);
    return known
      ? { status: 200, body: { did: known[1] } }
      : xrpcError(400, 'InvalidRequest', 'Unable to resolve handle');
  }
}
