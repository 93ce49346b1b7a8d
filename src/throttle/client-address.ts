import { isIPv4, isIPv6 } from 'node:net';

/**
 * Whom a client-address limit counts: an IPv4 address, or the /64 network of an IPv6
 * address (one host usually holds a whole /64 and may pick any address in it). An
 * IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, what a dual-stack socket reports) counts as
 * its IPv4 address. The address comes from `req.ip` (Express's `trust proxy`, TRUST_PROXY).
 *
 * The WHATWG URL parser does the parsing (it validates and writes the canonical form, in
 * hex pieces with at most one `::`); this only expands that form.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip.slice(0, 100);
  let canonical: string;
  try {
    canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.slice(0, 100); // e.g. a zone index (fe80::1%eth0)
  }
  const [head, tail] = canonical.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const pieces =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const n = pieces.map((p) => parseInt(p, 16));
  if (n.length !== 8 || n.some((x) => Number.isNaN(x))) return canonical;
  if (n.slice(0, 5).every((x) => x === 0) && n[5] === 0xffff) {
    return [n[6] >> 8, n[6] & 255, n[7] >> 8, n[7] & 255].join('.');
  }
  return `${n
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
