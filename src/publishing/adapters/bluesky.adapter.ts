import { createHash } from 'node:crypto';
import { RichText } from '@atproto/api';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock, SystemClock } from '../../common/clock';
import { checkContentLimit } from '../../content/content-limits';
import { composeText } from '../../content/compose-text';
import { findLinks } from '../../content/links';
import {
  BLUESKY_IMAGE_MAX_BYTES,
  type BlueskyEmbed,
  type BlueskyMediaContext,
  blueskyExternalEmbed,
  blueskyImagesEmbed,
  blueskyMediaProblem,
  blueskyVideoEmbed,
  DEFAULT_BLUESKY_VIDEO_SERVICE,
} from './bluesky-media';
import { blueskyRkey } from './bluesky-rkey';
import { baseUrl, optionalString, optionalStringArray, requireHttpUrl, requireString } from './channel-credentials';
import { PublishHttpClient, type HttpCall } from './http-client';
import { asRecord, httpUrl, stringField } from './json-shape';
import { LinkCardFetcher } from './link-card.fetcher';
import { InMemoryMediaUploadLedger } from './media-upload-ledger';
import {
  type MediaUploadLedger,
  PlatformAdapter,
  type PublishablePost,
  type PublishOutcome,
  type PublishTarget,
  splitMedia,
} from './platform-adapter';
import { PublishError } from './publish-error';

export const BLUESKY_POST_COLLECTION = 'app.bsky.feed.post';

interface BlueskyCredentials {
  service: string;
  identifier: string;
  appPassword: string;
  langs?: string[];
  /** The video service (credentials.videoService; default https://video.bsky.app). */
  videoService: string;
}

interface BlueskySession {
  accessJwt: string;
  refreshJwt: string;
  did: string;
  handle: string;
  /** The account's PDS from the session's DID document (#atproto_pds), when it names one. */
  pdsUrl?: string;
  /** Hash of service + identifier + password: a session is dropped when they change. */
  fingerprint: string;
}

interface CreatedRecord {
  uri: string;
  cid: string;
}

export interface BlueskyFacet {
  $type: 'app.bsky.richtext.facet';
  index: { byteStart: number; byteEnd: number };
  features: (
    | { $type: 'app.bsky.richtext.facet#link'; uri: string }
    | { $type: 'app.bsky.richtext.facet#mention'; did: string }
    | { $type: 'app.bsky.richtext.facet#tag'; tag: string }
  )[];
}

export interface BlueskyPostRecord {
  $type: typeof BLUESKY_POST_COLLECTION;
  text: string;
  createdAt: string;
  langs?: string[];
  facets?: BlueskyFacet[];
  embed?: BlueskyEmbed;
}

function parseSession(body: unknown): Omit<BlueskySession, 'fingerprint'> | undefined {
  const record = asRecord(body);
  const accessJwt = stringField(record, 'accessJwt');
  const refreshJwt = stringField(record, 'refreshJwt');
  const did = stringField(record, 'did');
  const handle = stringField(record, 'handle');
  if (!(accessJwt && refreshJwt && did && DID.test(did) && handle)) return undefined;
  const pdsUrl = pdsOf(record?.['didDoc']);
  return { accessJwt, refreshJwt, did, handle, ...(pdsUrl ? { pdsUrl } : {}) };
}

/** The `#atproto_pds` service endpoint of a DID document, when it is an http(s) URL. */
function pdsOf(didDoc: unknown): string | undefined {
  const services = asRecord(didDoc)?.['service'];
  if (!Array.isArray(services)) return undefined;
  for (const service of services) {
    const record = asRecord(service);
    if (stringField(record, 'id')?.endsWith('#atproto_pds')) {
      const endpoint = httpUrl(stringField(record, 'serviceEndpoint'));
      if (endpoint) return endpoint.replace(/\/+$/, '');
    }
  }
  return undefined;
}

function parseCreated(body: unknown): CreatedRecord | undefined {
  const record = asRecord(body);
  const uri = stringField(record, 'uri');
  const cid = stringField(record, 'cid');
  return uri && cid ? { uri, cid } : undefined;
}

/** atproto DID and handle syntax: what may go into the post's bsky.app URL. */
const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]{1,2000}$/;
const HANDLE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

function parseDid(body: unknown): string | undefined {
  const did = stringField(asRecord(body), 'did');
  return did && DID.test(did) ? did : undefined;
}

/** The access token was refused in a way a new session can fix. */
function isSessionRefused(error: unknown): boolean {
  return (
    error instanceof PublishError &&
    (error.status === 401 || error.platformCode === 'ExpiredToken' || error.platformCode === 'InvalidToken')
  );
}

/**
 * Publishes an app.bsky.feed.post through the channel's PDS (XRPC over HTTP).
 *
 * - Sessions (`createSession` with the app password) are cached per channel; when the
 *   access token is refused (401, ExpiredToken) the adapter refreshes it once
 *   (`refreshSession`, else a new `createSession`) and retries.
 * - The record key is derived from the idempotency key (see bluesky-rkey.ts), so a retry
 *   cannot create a second post. When createRecord fails in any way that might hide an
 *   earlier success (a 4xx such as "record already exists", a 5xx, which is what the
 *   reference PDS answers today for a taken key, or a timeout), the adapter reads the
 *   record at that key: if it is there, the post was published.
 * - Links, #tags and @mentions become facets with UTF-8 byte offsets (RichText); mentions
 *   are resolved with `com.atproto.identity.resolveHandle` on the same service, and one
 *   that does not resolve stays plain text.
 */
@Injectable()
export class BlueskyAdapter extends PlatformAdapter {
  readonly platform = 'bluesky' as const;
  private readonly sessions = new Map<string, BlueskySession>();
  private readonly pendingSessions = new Map<string, Promise<BlueskySession>>();
  private readonly clock: Clock;
  private readonly logger = new Logger(BlueskyAdapter.name);

  constructor(
    private readonly http: PublishHttpClient,
    @Optional() @Inject(Clock) clock?: Clock | null,
    /** Without one (a test building the adapter by hand), posts get no link card. */
    @Optional() @Inject(LinkCardFetcher) private readonly linkCards?: LinkCardFetcher | null,
  ) {
    super();
    this.clock = clock ?? new SystemClock();
  }

  async publish(
    post: PublishablePost,
    target: PublishTarget,
    idempotencyKey: string,
    signal?: AbortSignal,
    ledger: MediaUploadLedger = new InMemoryMediaUploadLedger(),
  ): Promise<PublishOutcome> {
    const credentials = this.readCredentials(target.credentials);
    const text = composeText(post);
    const tooLong = checkContentLimit('bluesky', text);
    if (tooLong) throw new PublishError('rejected', tooLong.message, { platform: 'bluesky' });
    const { files, urls } = splitMedia(post);
    if (urls.length > 0) {
      throw new PublishError(
        'rejected',
        `The post has ${urls.length} media given by URL; Bluesky publishes media from the library only: add the files to the media library and attach them to the post.`,
        { platform: 'bluesky' },
      );
    }
    const shape = blueskyMediaProblem(files);
    if (shape) throw new PublishError('rejected', `${shape}.`, { platform: 'bluesky' });
    const rkey = blueskyRkey(idempotencyKey);
    // Read before the session: a card is made once per attempt, whatever renewals happen.
    const link = files.length === 0 ? post.link?.trim() || findLinks(text)[0]?.url : undefined;
    // A tracked link's card describes the page it leads to (read from there, not through the
    // redirect, which would not count it anyway), and opens the tracked link.
    const page = link ? (post.linkTargets?.[link] ?? link) : undefined;
    const fetched = page ? await this.card(page, signal) : null;
    const card = fetched && link && page !== link ? { ...fetched, uri: link } : fetched;

    const { session, created } = await this.withSession(target.channelId, credentials, signal, async (session) => {
      const facets = await this.facets(text, credentials, session, signal);
      const embed = await this.embed(files, card, credentials, session, ledger, signal);
      const record: BlueskyPostRecord = {
        $type: BLUESKY_POST_COLLECTION,
        text,
        createdAt: this.clock.now().toISOString(),
        ...(credentials.langs?.length ? { langs: credentials.langs } : {}),
        ...(facets.length ? { facets } : {}),
        ...(embed ? { embed } : {}),
      };
      return { session, created: await this.createOnce(credentials, session, rkey, record, signal) };
    });

    const profile = HANDLE.test(session.handle) && session.handle !== 'handle.invalid' ? session.handle : session.did;
    return { externalId: created.uri, externalUrl: `https://bsky.app/profile/${profile}/post/${rkey}` };
  }

  /** The embed of the post: its images, its video, or the card of its link; none without them. */
  private async embed(
    files: ReturnType<typeof splitMedia>['files'],
    card: Awaited<ReturnType<BlueskyAdapter['card']>>,
    credentials: BlueskyCredentials,
    session: BlueskySession,
    ledger: MediaUploadLedger,
    signal?: AbortSignal,
  ): Promise<BlueskyEmbed | undefined> {
    const ctx: BlueskyMediaContext = {
      http: this.http,
      pds: (nsid, call) => this.call(credentials, nsid, call, session),
      pdsUrl: session.pdsUrl ?? credentials.service,
      videoService: credentials.videoService,
      did: session.did,
      nowSeconds: () => Math.floor(this.clock.now().getTime() / 1000),
      signal,
    };
    const video = files.find((f) => f.kind === 'video');
    if (video) return blueskyVideoEmbed(ctx, video, ledger);
    if (files.length > 0) return blueskyImagesEmbed(ctx, files, ledger);
    if (card) return blueskyExternalEmbed(ctx, card);
    return undefined;
  }

  /**
   * The link card, or null: a page that cannot be read (refused by the egress guard, too
   * slow, no title...) costs the card, never the post. The reason goes to the debug log.
   */
  private async card(url: string, signal?: AbortSignal): Promise<import('./link-card.fetcher').LinkCard | null> {
    if (!this.linkCards?.enabled) return null;
    const result = await this.linkCards.fetchCard(url, {
      maxPageBytes: this.http.media.linkCardMaxBytes,
      maxImageBytes: BLUESKY_IMAGE_MAX_BYTES,
      timeoutMs: this.http.media.linkCardTimeoutMs,
      signal,
    });
    if (!result.card) this.logger.debug(`No link card for a post: ${result.reason}`);
    return result.card;
  }

  /**
   * An XRPC query (GET `nsid?params`) on the channel's service with the channel's session,
   * renewed once when refused, like a publication's calls: the metrics collector reads
   * app.bsky.feed.getPosts through it (the PDS answers app.bsky.* by proxying to the AppView).
   * Its errors are PublishErrors (a 429 is `rate_limited` with the wait it was told).
   */
  async query<T>(
    channelId: string,
    rawCredentials: Record<string, unknown>,
    nsid: string,
    params: URLSearchParams,
    parse: (body: unknown) => T | undefined,
    signal?: AbortSignal,
  ): Promise<T> {
    const credentials = this.readCredentials(rawCredentials);
    return this.withSession(channelId, credentials, signal, async (session) => {
      const { body } = await this.http.requestJson(
        this.call(credentials, `${nsid}?${params.toString()}`, { method: 'GET', signal }, session),
        parse,
      );
      return body;
    });
  }

  /** Forgets cached sessions (all, or one channel's). */
  forgetSessions(channelId?: string): void {
    if (channelId === undefined) this.sessions.clear();
    else this.sessions.delete(channelId);
  }

  private readCredentials(credentials: Record<string, unknown>): BlueskyCredentials {
    return {
      service: baseUrl(requireHttpUrl(credentials, 'service', 'bluesky')),
      identifier: requireString(credentials, 'identifier', 'bluesky').replace(/^@/, ''),
      appPassword: requireString(credentials, 'appPassword', 'bluesky'),
      langs: optionalStringArray(credentials, 'langs', 'bluesky'),
      videoService: baseUrl(
        optionalString(credentials, 'videoService', 'bluesky')
          ? requireHttpUrl(credentials, 'videoService', 'bluesky')
          : new URL(DEFAULT_BLUESKY_VIDEO_SERVICE),
      ),
    };
  }

  private call(
    credentials: BlueskyCredentials,
    nsid: string,
    call: Omit<HttpCall, 'platform' | 'url'>,
    session?: BlueskySession,
  ): HttpCall {
    const headers: Record<string, string> = { ...call.headers };
    if (session && !headers['authorization']) headers['authorization'] = `Bearer ${session.accessJwt}`;
    return {
      ...call,
      platform: 'bluesky',
      url: `${credentials.service}/xrpc/${nsid}`,
      headers,
      addressField: 'service',
      secrets: [credentials.appPassword, session?.accessJwt, session?.refreshJwt, ...(call.secrets ?? [])],
    };
  }

  /** Runs `work` with the channel's session; when the token is refused, renews it once. */
  private async withSession<T>(
    channelId: string,
    credentials: BlueskyCredentials,
    signal: AbortSignal | undefined,
    work: (session: BlueskySession) => Promise<T>,
  ): Promise<T> {
    const session = await this.session(channelId, credentials, signal);
    try {
      return await work(session);
    } catch (error) {
      if (!isSessionRefused(error)) throw error;
      const renewed = await this.renew(channelId, credentials, session, signal);
      try {
        return await work(renewed);
      } catch (again) {
        if (again instanceof PublishError && isSessionRefused(again)) {
          this.sessions.delete(channelId);
          throw new PublishError(
            'auth_expired',
            `bluesky: the session was refused again after renewing it; reconnect the channel.`,
            {
              platform: 'bluesky',
              status: again.status,
              platformCode: again.platformCode,
            },
          );
        }
        throw again;
      }
    }
  }

  private fingerprint(credentials: BlueskyCredentials): string {
    return createHash('sha256')
      .update(`${credentials.service}\u0000${credentials.identifier}\u0000${credentials.appPassword}`)
      .digest('hex');
  }

  private async session(
    channelId: string,
    credentials: BlueskyCredentials,
    signal?: AbortSignal,
  ): Promise<BlueskySession> {
    const fingerprint = this.fingerprint(credentials);
    const cached = this.sessions.get(channelId);
    if (cached?.fingerprint === fingerprint) return cached;
    return this.singleFlight(channelId, () => this.createSession(credentials, fingerprint, signal));
  }

  /** One session request per channel at a time; concurrent publishes share it. */
  private async singleFlight(channelId: string, make: () => Promise<BlueskySession>): Promise<BlueskySession> {
    const pending = this.pendingSessions.get(channelId);
    if (pending) return pending;
    const promise = make()
      .then((session) => {
        this.sessions.set(channelId, session);
        return session;
      })
      .finally(() => this.pendingSessions.delete(channelId));
    this.pendingSessions.set(channelId, promise);
    return promise;
  }

  private async createSession(
    credentials: BlueskyCredentials,
    fingerprint: string,
    signal?: AbortSignal,
  ): Promise<BlueskySession> {
    const { body } = await this.http.requestJson(
      this.call(credentials, 'com.atproto.server.createSession', {
        method: 'POST',
        json: { identifier: credentials.identifier, password: credentials.appPassword },
        signal,
        writes: false,
      }),
      parseSession,
    );
    return { ...body, fingerprint };
  }

  private async renew(
    channelId: string,
    credentials: BlueskyCredentials,
    stale: BlueskySession,
    signal?: AbortSignal,
  ): Promise<BlueskySession> {
    if (this.sessions.get(channelId) === stale) this.sessions.delete(channelId);
    const current = this.sessions.get(channelId);
    if (current && current !== stale && current.fingerprint === stale.fingerprint) return current; // renewed meanwhile
    return this.singleFlight(channelId, async () => {
      try {
        const { body } = await this.http.requestJson(
          this.call(
            credentials,
            'com.atproto.server.refreshSession',
            {
              method: 'POST',
              headers: { authorization: `Bearer ${stale.refreshJwt}` },
              signal,
              writes: false,
            },
            stale,
          ),
          parseSession,
        );
        return { ...body, fingerprint: stale.fingerprint };
      } catch (error) {
        if (!isSessionRefused(error)) throw error;
        return this.createSession(credentials, stale.fingerprint, signal);
      }
    });
  }

  private async facets(
    text: string,
    credentials: BlueskyCredentials,
    session: BlueskySession,
    signal?: AbortSignal,
  ): Promise<BlueskyFacet[]> {
    const rich = new RichText({ text });
    rich.detectFacetsWithoutResolution();
    const resolved = new Map<string, string | null>([[session.handle.toLowerCase(), session.did]]);
    const facets: BlueskyFacet[] = [];
    for (const facet of rich.facets ?? []) {
      const features: BlueskyFacet['features'] = [];
      for (const feature of facet.features) {
        const record = asRecord(feature);
        const type = stringField(record, '$type');
        if (type === 'app.bsky.richtext.facet#link') {
          const uri = stringField(record, 'uri');
          if (uri) features.push({ $type: type, uri });
        } else if (type === 'app.bsky.richtext.facet#tag') {
          const tag = stringField(record, 'tag');
          if (tag) features.push({ $type: type, tag });
        } else if (type === 'app.bsky.richtext.facet#mention') {
          // Before resolution RichText puts the handle where the did goes.
          const handle = stringField(record, 'did')?.toLowerCase();
          if (!handle) continue;
          if (!resolved.has(handle))
            resolved.set(handle, await this.resolveHandle(credentials, session, handle, signal));
          const did = resolved.get(handle);
          if (did) features.push({ $type: type, did });
        }
      }
      if (features.length > 0) {
        facets.push({
          $type: 'app.bsky.richtext.facet',
          index: { byteStart: facet.index.byteStart, byteEnd: facet.index.byteEnd },
          features,
        });
      }
    }
    return facets;
  }

  /** The handle's DID, or null when the service says it does not resolve. */
  private async resolveHandle(
    credentials: BlueskyCredentials,
    session: BlueskySession,
    handle: string,
    signal?: AbortSignal,
  ): Promise<string | null> {
    try {
      const { body } = await this.http.requestJson(
        this.call(
          credentials,
          `com.atproto.identity.resolveHandle?handle=${encodeURIComponent(handle)}`,
          {
            method: 'GET',
            signal,
          },
          session,
        ),
        parseDid,
      );
      return body;
    } catch (error) {
      if (error instanceof PublishError && error.kind === 'rejected' && !isSessionRefused(error)) return null;
      throw error;
    }
  }

  private async createOnce(
    credentials: BlueskyCredentials,
    session: BlueskySession,
    rkey: string,
    record: BlueskyPostRecord,
    signal?: AbortSignal,
  ): Promise<CreatedRecord> {
    try {
      const { body } = await this.http.requestJson(
        this.call(
          credentials,
          'com.atproto.repo.createRecord',
          {
            method: 'POST',
            json: { repo: session.did, collection: BLUESKY_POST_COLLECTION, rkey, record },
            signal,
          },
          session,
        ),
        parseCreated,
      );
      return body;
    } catch (error) {
      if (
        !(error instanceof PublishError) ||
        isSessionRefused(error) ||
        !(error.kind === 'rejected' || error.kind === 'transient' || error.kind === 'unknown_outcome')
      ) {
        throw error;
      }
      // Maybe an earlier attempt (or this one) already wrote the post at this key.
      const existing = await this.existing(credentials, session, rkey, signal).catch(() => null);
      if (existing) return existing;
      throw error;
    }
  }

  private async existing(
    credentials: BlueskyCredentials,
    session: BlueskySession,
    rkey: string,
    signal?: AbortSignal,
  ): Promise<CreatedRecord | null> {
    const query = new URLSearchParams({ repo: session.did, collection: BLUESKY_POST_COLLECTION, rkey });
    try {
      const { body } = await this.http.requestJson(
        this.call(credentials, `com.atproto.repo.getRecord?${query.toString()}`, {
          method: 'GET',
          signal,
        }),
        parseCreated,
      );
      return body;
    } catch (error) {
      if (error instanceof PublishError && (error.platformCode === 'RecordNotFound' || error.status === 404))
        return null;
      throw error;
    }
  }
}
