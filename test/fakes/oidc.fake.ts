import { createHash, createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OidcUser {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
}

interface Grant {
  clientId: string;
  redirectUri: string;
  nonce: string;
  challenge: string;
  user: OidcUser;
  used: boolean;
}

/**
 * An OpenID Connect provider on 127.0.0.1 for tests: discovery, an authorization endpoint
 * that signs in `user` at once (redirecting back with a code), a token endpoint that
 * checks the client's secret (client_secret_basic), the redirect URI and the PKCE verifier
 * (S256) and answers an RS256 ID token, and its JWKS. Codes work once. `tamper` knobs make
 * the ID token wrong in one way.
 */
export class OidcFake {
  user: OidcUser = { sub: 'user-1', email: 'sso@example.com', email_verified: true, name: 'Single Sign' };
  readonly clientId = 'palinsesto-test';
  readonly clientSecret = randomBytes(24).toString('base64url');
  /** Makes the next ID tokens wrong: signed by another key, for another audience, expired, with another nonce. */
  tamper: 'none' | 'key' | 'audience' | 'expired' | 'nonce' = 'none';
  /** Epoch seconds the tokens say they were made at (the app's clock may be elsewhere). */
  now = () => Math.floor(Date.now() / 1000);
  readonly tokenRequests: { body: string; authorization: string | undefined }[] = [];
  private readonly key = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly grants = new Map<string, Grant>();
  private server?: Server;
  issuer = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.issuer;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === '/jwks') {
      return json(200, {
        keys: [{ ...this.key.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }],
      });
    }
    if (url.pathname === '/authorize') {
      const q = url.searchParams;
      if (q.get('client_id') !== this.clientId || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge'))
        return json(400, { error: 'invalid_request' });
      const code = randomBytes(24).toString('base64url');
      this.grants.set(code, {
        clientId: this.clientId,
        redirectUri: q.get('redirect_uri')!,
        nonce: q.get('nonce') ?? '',
        challenge: q.get('code_challenge')!,
        user: { ...this.user },
        used: false,
      });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      this.tokenRequests.push({ body: text, authorization: req.headers.authorization });
      const form = new URLSearchParams(text);
      const basic = `Basic ${Buffer.from(`${encodeURIComponent(this.clientId)}:${encodeURIComponent(this.clientSecret)}`).toString('base64')}`;
      if (req.headers.authorization !== basic) return json(401, { error: 'invalid_client' });
      const grant = this.grants.get(form.get('code') ?? '');
      if (!grant || grant.used || grant.redirectUri !== form.get('redirect_uri'))
        return json(400, { error: 'invalid_grant' });
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge)
        return json(400, { error: 'invalid_grant' });
      grant.used = true;
      const now = this.now();
      const claims = {
        iss: this.issuer,
        sub: grant.user.sub,
        aud: this.tamper === 'audience' ? 'someone-else' : this.clientId,
        iat: now,
        exp: this.tamper === 'expired' ? now - 3600 : now + 300,
        nonce: this.tamper === 'nonce' ? 'another-nonce' : grant.nonce,
        email: grant.user.email,
        email_verified: grant.user.email_verified,
        name: grant.user.name,
      };
      const idToken = sign(claims, this.tamper === 'key' ? this.otherKey.privateKey : this.key.privateKey);
      return json(200, {
        access_token: randomBytes(16).toString('hex'),
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken,
      });
    }
    json(404, { error: 'not_found' });
  }
}

function sign(claims: Record<string, unknown>, key: KeyObject): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const data = `${enc({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${enc(claims)}`;
  return `${data}.${createSign('sha256').update(data).sign(key).toString('base64url')}`;
}
