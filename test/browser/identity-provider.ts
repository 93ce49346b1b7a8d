import type { AppConfig } from '../../src/config/app-config';
import { OidcFake } from '../fakes/oidc.fake';

/**
 * The OpenID provider the browser tests sign in through, on loopback. Kept behind this one
 * small helper so that the stand-in behind it can change without touching the tests.
 */
export interface IdentityProvider {
  /** The app's `oidc` setting for this provider. */
  config: NonNullable<AppConfig['oidc']>;
  /** The person the provider signs in at its next authorization (its own login is automatic). */
  signsInAs(user: { sub: string; email: string; name: string }): void;
  /** The provider's idea of "now" (its tokens' iat and exp): the app's clock, which a test may hold still. */
  useClock(now: () => Date): void;
  stop(): Promise<void>;
}

export async function startIdentityProvider(label: string): Promise<IdentityProvider> {
  const idp = new OidcFake();
  const issuer = await idp.start();
  return {
    config: { issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, label },
    signsInAs: (user) => {
      idp.user = { ...user, email_verified: true };
    },
    useClock: (now) => {
      idp.now = () => Math.floor(now().getTime() / 1000);
    },
    stop: () => idp.stop(),
  };
}
