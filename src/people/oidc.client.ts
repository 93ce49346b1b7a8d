import { Inject, Injectable } from '@nestjs/common';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { custom, errors, generators, Issuer, type BaseClient } from 'openid-client';
import { Clock } from '../common/clock';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/** What a sign-in by the provider proves: a verified email and the provider's subject. */
export interface OidcIdentity {
  subject: string;
  email: string;
  name: string | null;
}

/** One authorization code flow in progress, kept in a signed cookie of the browser that started it. */
export interface OidcFlow {
  state: string;
  nonce: string;
  verifier: string;
  /** Epoch ms after which the flow is void. */
  until: number;
}

const FLOW_TTL_MS = 10 * 60_000;
/** Seconds of clock difference with the provider allowed on the ID token's iat/exp. */
const SKEW_S = 60;
const TIMEOUT_MS = 10_000;
const httpOptions = () => ({ timeout: TIMEOUT_MS });

const b64url = (b: Buffer) => b.toString('base64url');

function refused(message: string): DomainError {
  return new DomainError(ErrorCode.InvalidInput, `Single sign-on failed: ${message}`);
}

function unreachable(what: string): DomainError {
  return new DomainError(ErrorCode.Unprocessable, `Single sign-on failed: ${what}`);
}

/**
 * The relying party of OpenID Connect's authorization code flow with PKCE (S256), state
 * and nonce, against the provider of OIDC_ISSUER, by `openid-client` (v5, the certified
 * relying party library): discovery, the JWKS, the code exchange (client_secret_basic) and
 * the ID token's signature and claims (issuer, audience, azp, expiry, nonce) are its work;
 * this keeps the flow in a signed cookie and asks for a verified email. The provider is the
 * operator's, not a tenant's: its address is configuration, so requests go out directly,
 * not through EgressGuard (which guards tenant-given addresses), each with a 10 s timeout.
 * The library checks the ID token's times against the system clock (60 s of skew allowed),
 * not the injected Clock: the provider stamps them with its own wall clock.
 */
@Injectable()
export class OidcClient {
  private client: Promise<BaseClient> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.config.oidc !== undefined;
  }

  get label(): string {
    return this.config.oidc?.label ?? '';
  }

  /** The provider's authorization URL for a new flow, and the flow to keep in the browser. */
  async start(redirectUri: string): Promise<{ url: string; flow: OidcFlow }> {
    const client = await this.discover();
    const flow: OidcFlow = {
      state: generators.state(),
      nonce: generators.nonce(),
      verifier: generators.codeVerifier(),
      until: this.clock.now().getTime() + FLOW_TTL_MS,
    };
    const url = client.authorizationUrl({
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid email profile',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: generators.codeChallenge(flow.verifier),
      code_challenge_method: 'S256',
    });
    return { url, flow };
  }

  /** Checks the callback against the flow, exchanges the code and verifies the ID token. */
  async finish(redirectUri: string, query: Record<string, unknown>, flow: OidcFlow | null): Promise<OidcIdentity> {
    this.settings();
    if (!flow || flow.until < this.clock.now().getTime())
      throw refused('this sign-in was not started in this browser, or took too long; start again.');
    if (typeof query.state !== 'string' || !sameText(query.state, flow.state))
      throw refused('the answer does not belong to the sign-in this browser started; start again.');
    if (typeof query.error === 'string')
      throw refused(`the provider answered ${query.error.slice(0, 100).replace(/[^\w.-]/g, '')}.`);
    if (typeof query.code !== 'string' || query.code.length === 0 || query.code.length > 2048)
      throw refused('the provider sent no code.');
    const client = await this.discover();
    const params: Record<string, string> = { code: query.code, state: query.state };
    if (typeof query.iss === 'string') params.iss = query.iss;
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.callback(redirectUri, params, {
        response_type: 'code',
        state: flow.state,
        nonce: flow.nonce,
        code_verifier: flow.verifier,
      });
      claims = tokens.claims() as Record<string, unknown>;
    } catch (error) {
      throw failure(error);
    }
    if (typeof claims.email !== 'string' || claims.email_verified !== true)
      throw refused('the provider did not give a verified email address.');
    return {
      subject: String(claims.sub),
      email: claims.email.toLowerCase(),
      name: typeof claims.name === 'string' ? claims.name.slice(0, 200) : null,
    };
  }

  /** The flow as a cookie value: its JSON, signed with SECRET_KEY (HMAC-SHA256). */
  seal(flow: OidcFlow): string {
    const payload = b64url(Buffer.from(JSON.stringify(flow)));
    return `${payload}.${this.mac(payload)}`;
  }

  /** The flow of a cookie value, or null when it is missing or was tampered with. */
  open(value: string | undefined): OidcFlow | null {
    if (!value) return null;
    const [payload, mac, ...rest] = value.split('.');
    if (!payload || !mac || rest.length > 0 || !sameText(mac, this.mac(payload))) return null;
    try {
      const flow = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as OidcFlow;
      return typeof flow.state === 'string' && typeof flow.nonce === 'string' && typeof flow.verifier === 'string'
        ? flow
        : null;
    } catch {
      return null;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', `oidc-flow:${this.config.secretKey ?? ''}`)
      .update(payload)
      .digest('base64url');
  }

  private settings() {
    if (!this.config.oidc) throw DomainError.notFound('Single sign-on');
    return this.config.oidc;
  }

  /** The provider's metadata by discovery (again after a failure) and this client at it. */
  private discover(): Promise<BaseClient> {
    const oidc = this.settings();
    this.client ??= (async () => {
      const issuer = await Issuer.discover(oidc.issuer);
      if (String(issuer.metadata.issuer).replace(/\/+$/, '') !== oidc.issuer.replace(/\/+$/, ''))
        throw new Error(`the provider's discovery document names another issuer (${issuer.metadata.issuer})`);
      issuer[custom.http_options] = httpOptions;
      const client = new issuer.Client({
        client_id: oidc.clientId,
        client_secret: oidc.clientSecret,
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      });
      client[custom.http_options] = httpOptions;
      client[custom.clock_tolerance] = SKEW_S;
      return client;
    })().catch((error: unknown) => {
      this.client = null;
      throw new DomainError(
        ErrorCode.Unprocessable,
        `Single sign-on is not available: the provider's discovery failed (${describe(error)}).`,
      );
    });
    return this.client;
  }
}

// Discovery is a static request of the Issuer class: its timeout is set there, once.
Issuer[custom.http_options] = httpOptions;

/** The library's error as the answer: the provider's refusal or a bad ID token 400, no answer 422. */
function failure(error: unknown): DomainError {
  if (error instanceof errors.OPError)
    return refused(
      `the provider refused the code (${(error.error ?? '').slice(0, 100).replace(/[^\w.-]/g, '')}); start again.`,
    );
  if (error instanceof errors.RPError) {
    const m = error.message;
    if (m.startsWith('outgoing request timed out')) return unreachable('the provider did not answer.');
    if (m.startsWith('nonce mismatch')) return refused('the ID token is not for this sign-in.');
    if (/^(aud|azp) mismatch|property azp/.test(m)) return refused('the ID token is for another client.');
    if (/^JWT (expired|issued too far|not active)/.test(m)) return refused('the ID token has expired.');
    if (/^(unexpected iss|iss mismatch)/.test(m)) return refused('the ID token comes from another issuer.');
    if (/signature|jwks|key/i.test(m)) return refused('the ID token signature is not valid.');
    return refused("the provider's answer is not valid.");
  }
  return unreachable('the provider did not answer.');
}

/** An error for a message without secrets: the library's message, or the network error's code. */
function describe(error: unknown): string {
  if (error instanceof errors.OPError) return (error.error ?? 'error').slice(0, 100);
  if (error instanceof errors.RPError) return error.message.slice(0, 200);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : ((error as Error).message?.slice(0, 200) ?? 'unknown error');
}

function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
