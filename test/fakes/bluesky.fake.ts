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
}

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
 */
export class BlueskyFake extends HttpFake {
  readonly records: FakeBlueskyRecord[] = [];
  readonly did: string;
  /** How many sessions were created / refreshed (to see that the session is reused). */
  createSessionCalls = 0;
  refreshSessionCalls = 0;
  private readonly accessTokens = new Map<string, 'valid' | 'expired'>();
  private readonly refreshTokens = new Set<string>();
  private readonly options: BlueskyFakeOptions;
  private tidCounter = 0;

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

  protected override failureBody(status: number): unknown {
    return status === 429
      ? { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }
      : { error: 'InternalServerError', message: 'Internal Server Error' };
  }

  protected override handle(request: FakeRequest): FakeResponse {
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
      default:
        return xrpcError(501, 'MethodNotImplemented', 'Method Not Implemented');
    }
  }

  private issueSession(): FakeResponse {
    const accessJwt = `fake-access.${randomUUID()}`;
    const refreshJwt = `fake-refresh.${randomUUID()}`;
    this.accessTokens.set(accessJwt, 'valid');
    this.refreshTokens.add(refreshJwt);
    return { status: 200, body: { accessJwt, refreshJwt, did: this.did, handle: this.options.handle, active: true } };
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
