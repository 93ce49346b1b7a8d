// A real OpenID provider for tests: `oidc-provider` (ESM, hence this plain-node script, which
// test/fakes/oidc-provider.ts starts as a child process) on 127.0.0.1, a port of its own.
// Input (environment): OIDC_CLIENT {client_id, client_secret, redirect_path}, OIDC_ACCOUNTS
// {<login>: {email, email_verified, name?}}. It prints "READY <port>" when it listens.
// Sign-in is the provider's own development interactions (a login form taking any password
// for a known login, then a consent form), driven over plain HTTP by the helper.
// Test controls on the same port, before the provider: POST /_test/tamper?mode=<m> makes
// the next ID tokens wrong in one way (key: signed by a key the provider does not publish;
// audience, expired, nonce: those claims changed and signed again with the provider's key),
// mode=none ends it; GET /_test/token-requests lists the token requests' form bodies.
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const client = JSON.parse(process.env.OIDC_CLIENT ?? '{}');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');

const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const KID = 'k1';

let tamper = 'none';
const tokenRequests = [];

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: client.client_id,
      client_secret: client.client_secret,
      // A native client: RFC 8252 §7.3 lets a loopback redirect URI take any port, which the
      // app under test gets only when it starts (after this provider).
      application_type: 'native',
      redirect_uris: [`http://127.0.0.1${client.redirect_path}`],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [{ ...key.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The user's claims in the ID token itself, as Google, Entra ID and Keycloak do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const account = Object.hasOwn(accounts, id) ? accounts[id] : undefined;
    if (!account) return undefined;
    return { accountId: id, claims: () => ({ sub: id, ...account }) };
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/_test/tamper' && ctx.method === 'POST') {
    tamper = ctx.query.mode ?? 'none';
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/_test/token-requests') {
    ctx.body = tokenRequests;
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.method === 'POST') {
    if (ctx.oidc?.body) tokenRequests.push({ body: new URLSearchParams(ctx.oidc.body).toString() });
    if (tamper !== 'none' && ctx.status === 200 && typeof ctx.body?.id_token === 'string')
      ctx.body = { ...ctx.body, id_token: tampered(ctx.body.id_token, tamper) };
  }
});

function tampered(idToken, mode) {
  const [header, payload] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'audience') claims.aud = 'someone-else';
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (mode === 'nonce') claims.nonce = 'another-nonce';
  const data = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = createSign('sha256')
    .update(data)
    .sign(mode === 'key' ? otherKey : key)
    .toString('base64url');
  return `${data}.${signature}`;
}

server.on('request', provider.callback());
process.stdout.write(`READY ${port}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
