import type { Page } from 'playwright-core';
import type { AppConfig } from '../../src/config/app-config';
import { type OidcAccount, OidcProvider } from '../fakes/oidc-provider.fake';

/**
 * The OpenID provider the browser tests sign in through: the real `oidc-provider` on loopback
 * (test/fakes/oidc-provider.fake.ts), its accounts given at start. Kept behind this one small
 * helper so that the tests do not depend on the provider's pages.
 */
export interface IdentityProvider {
  /** The app's `oidc` setting for this provider. */
  config: NonNullable<AppConfig['oidc']>;
  /** In a browser sent to the provider: its own login form (as `login`), then its consent form. */
  signInAt(page: Page, login: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startIdentityProvider(
  label: string,
  accounts: Record<string, OidcAccount>,
): Promise<IdentityProvider> {
  const idp = new OidcProvider(accounts);
  const issuer = await idp.start();
  return {
    config: { issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, label },
    async signInAt(page, login) {
      await page.waitForURL((u) => u.origin === issuer);
      await page.locator('input[name="login"]').fill(login);
      await page.locator('input[name="password"]').fill('any password');
      await page.locator('button[type="submit"]').click();
      // The consent form (the provider asks once per client and account).
      await page.waitForURL((u) => u.origin === issuer);
      await page.locator('button[type="submit"]').click();
    },
    stop: () => idp.stop(),
  };
}
