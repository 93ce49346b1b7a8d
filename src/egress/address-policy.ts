import ipaddr from 'ipaddr.js';

/**
 * Which addresses a tenant-given URL may reach: pure, no I/O. Parsing and range tables are
 * ipaddr.js's; this file only decides. The rule: an address is reachable when it is ordinary
 * public unicast (ipaddr.js range `unicast`, and for IPv6 forms that carry an IPv4 address,
 * that address too), or when an EGRESS_ALLOW block contains it. Everything else is refused:
 * loopback, private (RFC 1918), carrier-grade NAT, link-local, unique-local, unspecified
 * (`0.0.0.0/8`, `::`), multicast, broadcast, reserved and documentation ranges, Teredo, the
 * deprecated IPv4-compatible `::a.b.c.d`, and IPv4-mapped / translated / NAT64 / 6to4 forms of
 * a refused IPv4 address.
 */

type Address = ipaddr.IPv4 | ipaddr.IPv6;

export interface AddressClass {
  /** The address in canonical form, as it would be connected to (`::ffff:7f00:1` stays IPv6). */
  address: string;
  /** ipaddr.js's range of the address, or of the IPv4 address it carries; `invalid` when not an IP. */
  range: string;
  /** The IPv4 address an IPv6 form carries (mapped, translated, compatible, NAT64, 6to4). */
  embedded?: string;
  /** Reachable on the public internet: no internal address, however it is written. */
  public: boolean;
}

export interface AddressVerdict extends AddressClass {
  allowed: boolean;
}

function last32(parts: number[]): ipaddr.IPv4 {
  const [high = 0, low = 0] = parts.slice(6);
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** The IPv4 address an IPv6 address carries, and whether the IPv6 form itself can be public. */
function carried(v6: ipaddr.IPv6, range: string): { v4: ipaddr.IPv4; mayBePublic: boolean } | undefined {
  const parts = v6.parts;
  switch (range) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d, the same host as a.b.c.d
      return { v4: v6.toIPv4Address(), mayBePublic: true };
    case 'rfc6145': // ::ffff:0:a.b.c.d (SIIT)
      return { v4: last32(parts), mayBePublic: true };
    case 'rfc6052': {
      // 64:ff9b::/96 (NAT64, well-known prefix) carries the IPv4 address in its last 32 bits;
      // 64:ff9b:1::/48 is for local use (RFC 8215): never public.
      const wellKnown = parts[2] === 0 && parts[3] === 0 && parts[4] === 0 && parts[5] === 0;
      return { v4: last32(parts), mayBePublic: wellKnown };
    }
    case '6to4': {
      // 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
      const [, high = 0, low = 0] = parts;
      return { v4: new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]), mayBePublic: true };
    }
    default:
      break;
  }
  // ::a.b.c.d, deprecated IPv4-compatible (not :: and ::1, which have ranges of their own)
  if (parts.slice(0, 6).every((p) => p === 0) && !(parts[6] === 0 && (parts[7] ?? 0) <= 1)) {
    return { v4: last32(parts), mayBePublic: false };
  }
  return undefined;
}

function parse(ip: string): Address | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  try {
    return ipaddr.parse(bare); // one parse (isValid() would parse a second time)
  } catch {
    return undefined;
  }
}

/** What kind of address `ip` is (an IPv4 or IPv6 literal, brackets allowed). */
export function classifyAddress(ip: string): AddressClass {
  const address = parse(ip);
  return address ? classifyParsed(address) : { address: ip, range: 'invalid', public: false };
}

function classifyParsed(address: Address): AddressClass {
  if (address.kind() === 'ipv4') {
    const range = address.range();
    return { address: address.toString(), range, public: range === 'unicast' };
  }
  const v6 = address as ipaddr.IPv6;
  const own = v6.range();
  const inner = carried(v6, own);
  if (inner) {
    const innerRange = inner.v4.range();
    const range =
      innerRange === 'unicast' && !inner.mayBePublic ? (own === 'unicast' ? 'ipv4Compatible' : own) : innerRange;
    return {
      address: v6.toString(),
      range,
      embedded: inner.v4.toString(),
      public: inner.mayBePublic && innerRange === 'unicast',
    };
  }
  return { address: v6.toString(), range: own, public: own === 'unicast' };
}

/** EGRESS_ALLOW: the blocks that addresses may be in although they are not public. */
export class AllowList {
  private readonly blocks: [Address, number][];

  /** `cidrs` as AppConfig.egressAllow holds them (validated at boot). */
  constructor(cidrs: readonly string[]) {
    this.blocks = cidrs.map((cidr) => ipaddr.parseCIDR(cidr));
  }

  get size(): number {
    return this.blocks.length;
  }

  contains(address: Address): boolean {
    return this.blocks.some(
      ([network, bits]) => network.kind() === address.kind() && address.match(network as never, bits),
    );
  }
}

/**
 * Whether a connection to `ip` is allowed: public, or in an allow-list block. An IPv4-mapped
 * address is the IPv4 host itself, so an IPv4 block allows it too; other forms that carry an
 * IPv4 address are allowed only by a block holding the IPv6 address.
 */
export function judgeAddress(ip: string, allow: AllowList): AddressVerdict {
  const address = parse(ip);
  if (!address) return { address: ip, range: 'invalid', public: false, allowed: false };
  const verdict = classifyParsed(address);
  if (verdict.public) return { ...verdict, allowed: true };
  const mapped = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress();
  const allowed = allow.contains(address) || (mapped && allow.contains((address as ipaddr.IPv6).toIPv4Address()));
  return { ...verdict, allowed };
}
