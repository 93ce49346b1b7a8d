import { Inject, Injectable } from '@nestjs/common';
import { Actor } from '../auth/actor';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ChannelsService, type ConnectedAccount } from '../channels/channels.service';
import { ConnectHttp, stringOf } from './connect-http';

const HANDLE = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DID = /^did:(plc:[a-z0-9]{24}|web:[a-zA-Z0-9.%-]+)$/;

/**
 * Connecting a Bluesky account with an app password: handle -> DID
 * (`com.atproto.identity.resolveHandle` on BLUESKY_RESOLVER_URL) -> DID document (did:plc
 * from BLUESKY_PLC_URL, did:web from https://<host>/.well-known/did.json) -> its PDS
 * (`#atproto_pds`), where `com.atproto.server.createSession` proves the app password. The
 * channel keeps {service: PDS, identifier: DID, appPassword}, as the Bluesky adapter reads them.
 */
@Injectable()
export class BlueskyConnectService {
  constructor(
    private readonly http: ConnectHttp,
    private readonly channels: ChannelsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async connect(actor: Actor, workspaceId: string, input: { handle: string; appPassword: string; channelId?: string }) {
    const handle = input.handle.trim().replace(/^@/, '').toLowerCase();
    if (!HANDLE.test(handle)) throw DomainError.invalid('handle', 'must be a Bluesky handle such as alice.bsky.social');
    if (input.channelId) await this.channels.get(actor, input.channelId);
    else await this.channels.active(actor, workspaceId);
    const did = await this.resolveHandle(handle);
    const pds = await this.pdsOf(did, handle);
    const session = await this.http.json(
      'Signing in to the Bluesky account',
      new URL('/xrpc/com.atproto.server.createSession', pds),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identifier: did, password: input.appPassword }),
      },
    );
    if (session.status === 401 || session.status === 400) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `Bluesky refused the app password for @${handle}: check it (Settings > Privacy and security > App passwords).`,
        { errors: [{ field: 'appPassword', message: 'was refused by the account’s server' }] },
      );
    }
    if (session.status !== 200 || stringOf(session.body, 'did') !== did) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `The account's server answered ${session.status} to createSession.`,
      );
    }
    const account: ConnectedAccount = {
      platform: 'bluesky',
      name: `@${handle}`,
      handle: `@${handle}`,
      avatarUrl: null,
      credentials: { service: pds, identifier: did, appPassword: input.appPassword },
    };
    if (input.channelId)
      return { created: false, channel: await this.channels.reconnect(actor, input.channelId, account) };
    return { created: true, channel: await this.channels.createConnected(actor, workspaceId, account) };
  }

  private async resolveHandle(handle: string): Promise<string> {
    const url = new URL(`${this.config.blueskyResolverUrl}/xrpc/com.atproto.identity.resolveHandle`);
    url.searchParams.set('handle', handle);
    const answer = await this.http.json('Resolving the Bluesky handle', url);
    const did = stringOf(answer.body, 'did');
    if (answer.status === 400 || (answer.status === 200 && !did)) {
      throw new DomainError(ErrorCode.Unprocessable, `No Bluesky account has the handle @${handle}.`, {
        errors: [{ field: 'handle', message: 'does not resolve to an account' }],
      });
    }
    if (answer.status !== 200 || !did || !DID.test(did)) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `Resolving @${handle} failed (the resolver answered ${answer.status}).`,
      );
    }
    return did;
  }

  /** The PDS the DID document names, once the document confirms the handle (alsoKnownAs). */
  private async pdsOf(did: string, handle: string): Promise<string> {
    const url = did.startsWith('did:plc:')
      ? new URL(`${this.config.blueskyPlcUrl}/${did}`)
      : new URL(`https://${decodeURIComponent(did.slice('did:web:'.length))}/.well-known/did.json`);
    const answer = await this.http.json('Reading the account’s DID document', url);
    if (answer.status !== 200) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `The DID document of @${handle} could not be read (${answer.status}).`,
      );
    }
    const aka = Array.isArray(answer.body['alsoKnownAs']) ? (answer.body['alsoKnownAs'] as unknown[]) : [];
    if (!aka.some((a) => typeof a === 'string' && a.toLowerCase() === `at://${handle}`)) {
      throw new DomainError(ErrorCode.Unprocessable, `The DID document of ${did} does not name @${handle}.`);
    }
    const services = Array.isArray(answer.body['service']) ? (answer.body['service'] as unknown[]) : [];
    for (const s of services) {
      const service = s as Record<string, unknown>;
      const id = typeof service['id'] === 'string' ? service['id'] : '';
      const endpoint = service['serviceEndpoint'];
      if ((id === '#atproto_pds' || id === `${did}#atproto_pds`) && typeof endpoint === 'string') {
        try {
          const parsed = new URL(endpoint);
          if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return parsed.origin;
        } catch {
          // a malformed endpoint: no PDS
        }
      }
    }
    throw new DomainError(ErrorCode.Unprocessable, `The DID document of @${handle} names no PDS.`);
  }
}
