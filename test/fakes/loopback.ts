import { lookup } from 'node:dns/promises';
import { EgressGuard, type EgressResolver } from '../../src/egress/egress-guard';

/**
 * The egress side of the stand-ins: they all listen on loopback, which the egress guard
 * refuses unless EGRESS_ALLOW allows it. Tests that talk to stand-ins allow these blocks.
 */
export const LOOPBACK_ALLOW: readonly string[] = ['127.0.0.0/8', '::1/128'];
/** The same, as the EGRESS_ALLOW environment variable. */
export const LOOPBACK_ALLOW_ENV = LOOPBACK_ALLOW.join(',');

/** A guard that lets requests reach the stand-ins (for unit tests that build clients by hand). */
export function loopbackEgress(resolver?: EgressResolver): EgressGuard {
  return new EgressGuard({ egressAllow: LOOPBACK_ALLOW }, resolver);
}

/**
 * The spellings of "this machine" a tenant can put in a URL, each reaching a server on
 * 127.0.0.1 (and [::1]) without a guard: the hostnames of `http://<form>:<port>/`.
 */
export const LOOPBACK_FORMS: readonly string[] = [
  '127.0.0.1',
  'localhost',
  '[::1]',
  '0.0.0.0',
  '[::ffff:127.0.0.1]',
  '2130706433',
  '0x7f.1',
  '127.1',
];

/** A made-up name that the test resolver below maps to 127.0.0.1 (a name that resolves to loopback). */
export const LOOPBACK_NAME = 'intranet.palinsesto.test';

/** The system resolver, except that LOOPBACK_NAME resolves to 127.0.0.1 (and `rebind` names as given). */
export function testResolver(extra: Record<string, () => string> = {}): EgressResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string) => {
    calls.push(hostname);
    if (hostname === LOOPBACK_NAME) return [{ address: '127.0.0.1', family: 4 }];
    const answer = extra[hostname];
    if (answer) {
      const address = answer();
      return [{ address, family: address.includes(':') ? 6 : 4 }];
    }
    return lookup(hostname, { all: true });
  };
  return Object.assign(resolver, { calls });
}
