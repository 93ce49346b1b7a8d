import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface OidcAccount {
  email: string;
  email_verified: boolean;
  name?: string;
}

export type OidcTamper = 'none' | 'key' | 'audience' | 'expired' | 'nonce';

/**
 * A real OpenID provider on loopback: `oidc-provider` in a child process
 * (test/fakes/oidc-provider.mjs, plain node, since the package is ESM only), with one
 * confidential client (client_secret_basic, PKCE required) whose redirect URI is
 * `http://127.0.0.1:<any port><redirectPath>`, and `accounts` by login. `signIn` plays the
 * browser at the provider: it follows the authorization URL through the provider's own
 * login and consent forms (plain HTTP, its cookies kept) to the redirect back to the app.
 */
export class OidcProvider {
  readonly clientId = 'palinsesto-test';
  readonly clientSecret = randomBytes(24).toString('base64url');
  issuer = '';
  private child?: ChildProcess;
  private stderr = '';

  constructor(
    private readonly accounts: Record<string, OidcAccount>,
    private readonly redirectPath = '/v1/auth/oidc/callback',
  ) {}

  async start(): Promise<string> {
    const child = spawn(process.execPath, [join(__dirname, 'oidc-provider.mjs')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        OIDC_CLIENT: JSON.stringify({
          client_id: this.clientId,
          client_secret: this.clientSecret,
          redirect_path: this.redirectPath,
        }),
        OIDC_ACCOUNTS: JSON.stringify(this.accounts),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the OpenID provider did not start: ${this.stderr}`)), 20_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the OpenID provider exited (${code}): ${this.stderr}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const ready = /^READY (\d+)$/.exec(line);
        if (ready) {
          clearTimeout(timer);
          resolve(Number(ready[1]));
        }
      });
    });
    this.issuer = `http://127.0.0.1:${port}`;
    return this.issuer;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /** Makes the next ID tokens wrong in one way ('none': right again). */
  async tamper(mode: OidcTamper): Promise<void> {
    const res = await fetch(`${this.issuer}/_test/tamper?mode=${mode}`, { method: 'POST' });
    if (res.status !== 204) throw new Error(`tamper: ${res.status}`);
  }

  /** The form bodies of the token requests the provider received, oldest first. */
  async tokenRequests(): Promise<{ body: string }[]> {
    return (await (await fetch(`${this.issuer}/_test/token-requests`)).json()) as { body: string }[];
  }

  /**
   * Signs `login` in at the provider from its authorization URL, as a browser with no
   * session there would: its login form, its consent form, and the URL it sends the
   * browser back to (the app's redirect URI with code, state and iss).
   */
  async signIn(authorizationUrl: string, login: string): Promise<URL> {
    const cookies = new Map<string, string>();
    let url = new URL(authorizationUrl);
    let form: URLSearchParams | undefined;
    for (let step = 0; step < 20; step++) {
      const res = await fetch(url, {
        method: form ? 'POST' : 'GET',
        body: form,
        headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        redirect: 'manual',
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      form = undefined;
      if (res.status >= 300 && res.status < 400) {
        await res.arrayBuffer();
        const next = new URL(res.headers.get('location')!, url);
        if (next.origin !== this.issuer) return next;
        url = next;
        continue;
      }
      const html = await res.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
      if (res.status !== 200 || !action || !prompt)
        throw new Error(`the provider answered ${res.status}: ${html.slice(0, 500)}`);
      url = new URL(action.replace(/&amp;/g, '&'), url);
      form =
        prompt === 'login'
          ? new URLSearchParams({ prompt, login, password: 'any password' })
          : new URLSearchParams({ prompt });
    }
    throw new Error('the provider never sent the browser back');
  }
}
