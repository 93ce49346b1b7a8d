import { Inject, Injectable } from '@nestjs/common';
import {
  createHash,
  createHmac,
  createPublicKey,
  randomBytes,
  timingSafeEqual,
  verify,
  type JsonWebKey,
} from 'node:crypto';
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

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

const FLOW_TTL_MS = 10 * 60_000;
const SKEW_S = 60;
const TIMEOUT_MS = 10_000;
const ALGORITHMS: Record<string, { hash: string; ec: boolean }> = {
  RS256: { hash: 'sha256', ec: false },
  RS384: { hash: 'sha384', ec: false },
  RS512: { hash: 'sha512', ec: false },
  ES256: { hash: 'sha256', ec: true },
  ES384: { hash: 'sha384', ec: true },
};

const b64url = (b: Buffer) => b.toString('base64url');

function refused(message: string): DomainError {
  return new DomainError(ErrorCode.InvalidInput, `Single sign-on failed: ${message}`);
}

/**
 * The relying party of OpenID Connect's authorization code flow with PKCE (S256), state
 * and nonce, against the provider of OIDC_ISSUER (its discovery document, its JWKS): no
 * library, node:crypto verifies the ID token's signature (RS256/384/512, ES256/384) and this
 * its claims (issuer, audience, expiry, nonce, a verified email). The provider is the
 * operator's, not a tenant's: its address is configuration, so requests go out directly.
 */
@Injectable()
export class OidcClient {
  private discovery: Promise<Discovery> | null = null;
  private keys: { at: number; keys: (JsonWebKey & { kid?: string; use?: string })[] } | null = null;

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
    const oidc = this.settings();
    const discovery = await this.discover();
    const flow: OidcFlow = {
      state: b64url(randomBytes(32)),
      nonce: b64url(randomBytes(32)),
      verifier: b64url(randomBytes(32)),
      until: this.clock.now().getTime() + FLOW_TTL_MS,
    };
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: oidc.clientId,
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: b64url(createHash('sha256').update(flow.verifier).digest()),
      code_challenge_method: 'S256',
    }).toString();
    return { url: url.toString(), flow };
  }

  /** Checks the callback against the flow, exchanges the code and verifies the ID token. */
  async finish(redirectUri: string, query: Record<string, unknown>, flow: OidcFlow | null): Promise<OidcIdentity> {
    const oidc = this.settings();
    if (!flow || flow.until < this.clock.now().getTime())
      throw refused('this sign-in was not started in this browser, or took too long; start again.');
    if (typeof query.state !== 'string' || !sameText(query.state, flow.state))
      throw refused('the answer does not belong to the sign-in this browser started; start again.');
    if (typeof query.error === 'string')
      throw refused(`the provider answered ${query.error.slice(0, 100).replace(/[^\w.-]/g, '')}.`);
    if (typeof query.code !== 'string' || query.code.length === 0 || query.code.length > 2048)
      throw refused('the provider sent no code.');
    const discovery = await this.discover();
    const res = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(oidc.clientId)}:${encodeURIComponent(oidc.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: query.code,
        redirect_uri: redirectUri,
        code_verifier: flow.verifier,
      }).toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    }).catch(() => null);
    if (!res) throw new DomainError(ErrorCode.Unprocessable, 'Single sign-on failed: the provider did not answer.');
    const body = (await res.json().catch(() => null)) as { id_token?: unknown } | null;
    if (!res.ok || typeof body?.id_token !== 'string')
      throw refused(`the provider refused the code (${res.status}); start again.`);
    const claims = await this.verifyIdToken(body.id_token, discovery);
    if (claims.nonce !== flow.nonce) throw refused('the ID token is not for this sign-in.');
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

  private discover(): Promise<Discovery> {
    this.discovery ??= (async () => {
      const issuer = this.settings().issuer;
      const doc = (await getJson(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)) as Discovery;
      if (doc.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, ''))
        throw new Error(`the provider's discovery document names another issuer (${doc.issuer})`);
      return doc;
    })().catch((error: unknown) => {
      this.discovery = null;
      throw new DomainError(
        ErrorCode.Unprocessable,
        `Single sign-on is not available: the provider's discovery failed (${(error as Error).message}).`,
      );
    });
    return this.discovery;
  }

  private async verifyIdToken(token: string, discovery: Discovery): Promise<Record<string, unknown>> {
    const parts = token.split('.');
    if (parts.length !== 3) throw refused('the ID token is malformed.');
    const header = parseJson(parts[0]) as { alg?: string; kid?: string } | null;
    const claims = parseJson(parts[1]);
    const alg = header?.alg ? ALGORITHMS[header.alg] : undefined;
    if (!header || !claims || !alg) throw refused('the ID token is malformed or signed with an unsupported algorithm.');
    const jwk = await this.keyFor(discovery, header.kid);
    if (!jwk) throw refused('the ID token is signed with a key the provider does not publish.');
    let valid: boolean;
    try {
      valid = verify(
        alg.hash,
        Buffer.from(`${parts[0]}.${parts[1]}`),
        { key: createPublicKey({ key: jwk, format: 'jwk' }), dsaEncoding: alg.ec ? 'ieee-p1363' : undefined },
        Buffer.from(parts[2], 'base64url'),
      );
    } catch {
      valid = false;
    }
    if (!valid) throw refused('the ID token signature is not valid.');
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const clientId = this.settings().clientId;
    const aud = claims.aud;
    if (claims.iss !== discovery.issuer) throw refused('the ID token comes from another issuer.');
    if (!(aud === clientId || (Array.isArray(aud) && aud.includes(clientId))))
      throw refused('the ID token is for another client.');
    if (Array.isArray(aud) && aud.length > 1 && claims.azp !== clientId)
      throw refused('the ID token is for another client.');
    if (typeof claims.exp !== 'number' || claims.exp + SKEW_S < now) throw refused('the ID token has expired.');
    if (typeof claims.iat === 'number' && claims.iat - SKEW_S > now) throw refused('the ID token is from the future.');
    return claims;
  }

  /** The provider's signing key `kid` (its JWKS read again, at most once a minute, when unknown). */
  private async keyFor(discovery: Discovery, kid: string | undefined) {
    const find = () =>
      this.keys?.keys.find((k) => (kid === undefined || k.kid === kid) && (k.use === undefined || k.use === 'sig'));
    const now = Date.now();
    if (!find() && (!this.keys || now - this.keys.at > 60_000)) {
      const jwks = (await getJson(discovery.jwks_uri).catch(() => null)) as { keys?: unknown } | null;
      if (jwks && Array.isArray(jwks.keys)) this.keys = { at: now, keys: jwks.keys as JsonWebKey[] };
    }
    return find() ?? null;
  }
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${res.status} from ${new URL(url).host}`);
  return res.json();
}

function parseJson(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
