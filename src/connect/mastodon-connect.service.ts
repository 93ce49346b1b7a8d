import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Actor, SignedInUser } from '../auth/actor';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ChannelsService, type ConnectedAccount } from '../channels/channels.service';
import { CredentialsCipher } from '../channels/credentials.cipher';
import { EgressGuard } from '../egress/egress-guard';
import { EgressRefusedError } from '../egress/egress-refused.error';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { ConnectHttp, stringOf } from './connect-http';
import { ConnectRepository, type ConnectFlowRow, type MastodonAppRow } from './connect.repository';

export const MASTODON_SCOPES = 'read write:statuses write:media';
export const MASTODON_CALLBACK_PATH = '/v1/connect/mastodon/callback';
/** How long a started connect flow waits for its callback. */
export const FLOW_TTL_MS = 10 * 60_000;

const hashState = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');

/** What the callback did, for the controller to redirect the browser to the page. */
export type MastodonCallbackOutcome = { channelId: string } | { denied: true };

/**
 * Connecting a Mastodon account on any instance: Palinsesto registers itself there once
 * (`POST /api/v1/apps`, kept per instance and redirect URI, the secret encrypted), then the
 * authorization code flow with PKCE (S256) and a one-time `state` kept as a hash, bound to
 * the user, member and workspace that started it, for ten minutes.
 */
@Injectable()
export class MastodonConnectService {
  constructor(
    private readonly repo: ConnectRepository,
    private readonly http: ConnectHttp,
    private readonly channels: ChannelsService,
    private readonly workspaces: WorkspacesService,
    private readonly cipher: CredentialsCipher,
    private readonly egress: EgressGuard,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The address of the instance's authorization page, for the browser to go to. */
  async start(
    actor: Actor,
    workspaceId: string,
    input: { instanceUrl?: string; channelId?: string },
    requestOrigin: string,
  ): Promise<{ authorizeUrl: string }> {
    this.workspaces.assertOwn(actor, workspaceId);
    let given = input.instanceUrl;
    if (input.channelId) {
      const channel = await this.channels.get(actor, input.channelId);
      if (channel.platform !== 'mastodon') {
        throw DomainError.invalid('channelId', `The channel is a ${channel.platform} channel, not a Mastodon one.`);
      }
      const stored = (await this.channels.credentialsFor(channel))['instanceUrl'];
      given ??= typeof stored === 'string' ? stored : undefined;
    }
    if (!given) throw DomainError.invalid('instanceUrl', 'is required (the Mastodon instance to connect to)');
    const instanceUrl = normalizeInstance(given);
    try {
      await this.egress.assertAllowed(instanceUrl);
    } catch (error) {
      if (!(error instanceof EgressRefusedError)) throw error;
      throw new DomainError(ErrorCode.Unprocessable, `instanceUrl: ${error.message}`, {
        errors: [{ field: 'instanceUrl', message: error.message }],
      });
    }
    const redirectUri = `${this.config.publicUrl ?? requestOrigin}${MASTODON_CALLBACK_PATH}`;
    const app = await this.appFor(instanceUrl, redirectUri);
    const state = randomBytes(32).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const id = randomUUID();
    const now = this.clock.now();
    await this.repo.insertFlow(
      {
        id,
        stateHash: hashState(state),
        platform: 'mastodon',
        userId: actor.userId ?? null,
        memberId: actor.memberId,
        workspaceId,
        instanceUrl,
        redirectUri,
        channelId: input.channelId ?? null,
        verifierCiphertext: this.cipher.encrypt({ verifier }, `connect-flow:${id}`),
        expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
      },
      now,
    );
    const url = new URL('/oauth/authorize', instanceUrl);
    url.search = new URLSearchParams({
      client_id: app.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: MASTODON_SCOPES,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return { authorizeUrl: url.toString() };
  }

  /**
   * The instance sent the browser back. The flow is found by its state (unknown, expired or
   * used: 400); a signed-in browser must be the user who started it (else 403, the flow
   * left as it was); then the flow is used up, the code exchanged with the PKCE verifier,
   * the account read, and the channel created (or reconnected).
   */
  async finish(
    query: { code?: unknown; state?: unknown; error?: unknown },
    browserUser: SignedInUser | null | 'invalid',
  ): Promise<MastodonCallbackOutcome> {
    const state = typeof query.state === 'string' ? query.state : '';
    if (!/^[A-Za-z0-9_-]{20,200}$/.test(state)) throw badState();
    const flow = await this.repo.flowByStateHash(hashState(state));
    const now = this.clock.now();
    if (!flow || flow.usedAt || flow.expiresAt.getTime() <= now.getTime()) throw badState();
    if (browserUser === 'invalid' || (browserUser && browserUser.userId !== flow.userId)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'This connection was started by someone else; whoever started it must finish it, signed in as themselves.',
      );
    }
    if (flow.userId) {
      // The role may have changed in the minutes at the instance: still a lead of the workspace?
      const membership = (await this.workspaces.membershipsOf(flow.userId)).find((m) => m.memberId === flow.memberId);
      if (membership?.role !== 'lead') {
        throw new DomainError(ErrorCode.Forbidden, 'Connecting a channel needs the lead role in the workspace.');
      }
    }
    if (!(await this.repo.claimFlow(flow.id, now))) throw badState();
    if (query.error !== undefined) return { denied: true };
    const code = typeof query.code === 'string' ? query.code : '';
    if (code === '' || code.length > 2000)
      throw DomainError.invalid('code', 'The instance sent no authorization code.');

    const app = await this.repo.findApp(flow.instanceUrl, flow.redirectUri);
    if (!app)
      throw new DomainError(ErrorCode.Unprocessable, 'The app registration on the instance is gone; start again.');
    const { verifier } = this.cipher.decrypt(flow.verifierCiphertext, `connect-flow:${flow.id}`) as {
      verifier: string;
    };
    const clientSecret = this.clientSecretOf(app);
    const token = await this.http.json('Exchanging the authorization code', new URL('/oauth/token', flow.instanceUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: flow.redirectUri,
        client_id: app.clientId,
        client_secret: clientSecret,
        code_verifier: verifier,
        scope: MASTODON_SCOPES,
      }),
    });
    const accessToken = stringOf(token.body, 'access_token');
    if (token.status !== 200 || !accessToken) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `The instance refused the authorization code (${token.status}${
          stringOf(token.body, 'error') ? `: ${stringOf(token.body, 'error')}` : ''
        }); start again.`,
      );
    }
    const account = await this.verifyCredentials(flow.instanceUrl, accessToken);
    if (account.state !== 'ok') throw new DomainError(ErrorCode.Unprocessable, account.problem);
    const connected: ConnectedAccount = {
      platform: 'mastodon',
      name: account.name,
      handle: account.handle,
      avatarUrl: account.avatarUrl,
      credentials: { instanceUrl: flow.instanceUrl, accessToken },
    };
    const actor = actorOf(flow);
    if (flow.channelId) {
      await this.channels.reconnect(actor, flow.channelId, connected);
      return { channelId: flow.channelId };
    }
    const channel = await this.channels.createConnected(actor, flow.workspaceId, connected);
    return { channelId: channel.id };
  }

  /** `GET /api/v1/accounts/verify_credentials`: the account, or why the token is refused. */
  async verifyCredentials(
    instanceUrl: string,
    accessToken: string,
  ): Promise<
    | { state: 'ok'; name: string; handle: string; avatarUrl: string | null }
    | { state: 'broken' | 'unknown'; problem: string }
  > {
    const answer = await this.http.json(
      'Reading the Mastodon account',
      new URL('/api/v1/accounts/verify_credentials', instanceUrl),
      { headers: { authorization: `Bearer ${accessToken}` } },
    );
    if (answer.status === 401 || answer.status === 403) {
      return {
        state: 'broken',
        problem: `The instance refused the access token (${answer.status}): reconnect the channel.`,
      };
    }
    const username = stringOf(answer.body, 'username');
    if (answer.status !== 200 || !username) {
      return { state: 'unknown', problem: `The instance answered ${answer.status} to verify_credentials.` };
    }
    const avatar = stringOf(answer.body, 'avatar');
    return {
      state: 'ok',
      name: stringOf(answer.body, 'display_name') ?? username,
      handle: `@${username}@${new URL(instanceUrl).host}`,
      avatarUrl: avatar && /^https?:\/\//i.test(avatar) ? avatar : null,
    };
  }

  private async appFor(instanceUrl: string, redirectUri: string): Promise<MastodonAppRow> {
    const known = await this.repo.findApp(instanceUrl, redirectUri);
    if (known) return known;
    const answer = await this.http.json(
      'Registering Palinsesto on the instance',
      new URL('/api/v1/apps', instanceUrl),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_name: 'Palinsesto',
          redirect_uris: redirectUri,
          scopes: MASTODON_SCOPES,
          website: this.config.publicUrl ?? null,
        }),
      },
    );
    const clientId = stringOf(answer.body, 'client_id');
    const clientSecret = stringOf(answer.body, 'client_secret');
    if (answer.status !== 200 || !clientId || !clientSecret) {
      throw new DomainError(
        ErrorCode.Unprocessable,
        `${new URL(instanceUrl).host} did not register Palinsesto (it answered ${answer.status}); is it a Mastodon instance?`,
      );
    }
    return this.repo.saveApp(
      {
        instanceUrl,
        redirectUri,
        clientId,
        clientSecretCiphertext: this.cipher.encrypt({ clientSecret }, `mastodon-app:${instanceUrl}`),
      },
      this.clock.now(),
    );
  }

  private clientSecretOf(app: MastodonAppRow): string {
    return (
      this.cipher.decrypt(app.clientSecretCiphertext, `mastodon-app:${app.instanceUrl}`) as { clientSecret: string }
    ).clientSecret;
  }
}

function badState(): DomainError {
  return DomainError.invalid(
    'state',
    'This connection link is unknown, expired or already used; start connecting the channel again.',
  );
}

/** The member who started the flow (a lead, checked again), acting when the instance sends the browser back. */
function actorOf(flow: ConnectFlowRow): Actor {
  return {
    memberId: flow.memberId,
    workspaceId: flow.workspaceId,
    role: 'lead',
    name: '',
    userId: flow.userId,
    via: 'session',
  };
}

/** `mastodon.social`, `https://mastodon.social/`... -> `https://mastodon.social` (http(s) origins only). */
export function normalizeInstance(raw: string): string {
  const given = raw.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `https://${given}`);
  } catch {
    throw DomainError.invalid(
      'instanceUrl',
      'must be an instance address, e.g. mastodon.social or https://mastodon.social',
    );
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw DomainError.invalid('instanceUrl', 'must be an http(s) address without a user name');
  }
  return url.origin;
}
