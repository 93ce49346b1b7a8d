import { AllowList, classifyAddress, judgeAddress } from './address-policy';

/** What a tenant writes in a URL becomes, once the URL is parsed: the host the guard judges. */
const hostOf = (written: string): string => new URL(`http://${written}:8080/hook`).hostname;
const none = new AllowList([]);

describe('classifyAddress', () => {
  it.each([
    // written by a tenant           range
    ['127.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['[::1]', 'loopback'],
    ['[0:0:0:0:0:0:0:1]', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['[::]', 'unspecified'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['[::ffff:7f00:1]', 'loopback'],
    ['[::ffff:0:127.0.0.1]', 'loopback'],
    ['[::127.0.0.1]', 'loopback'],
    ['[64:ff9b::127.0.0.1]', 'loopback'],
    ['[2002:7f00:1::1]', 'loopback'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['[64:ff9b::10.1.2.3]', 'private'],
    ['[2002:c0a8:101::1]', 'private'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['169.254.169.254', 'linkLocal'],
    ['[fe80::1]', 'linkLocal'],
    ['[fd00::2]', 'uniqueLocal'],
    ['[fc00::1]', 'uniqueLocal'],
    ['[fec0::1]', 'deprecatedSiteLocal'],
    ['224.0.0.1', 'multicast'],
    ['[ff02::1]', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['[2001:db8::1]', 'reserved'],
    ['[2001::1]', 'teredo'],
    ['[64:ff9b:1::808:808]', 'rfc6052'],
    ['[::8.8.8.8]', 'ipv4Compatible'],
  ])('refuses %s (%s)', (written, range) => {
    const verdict = classifyAddress(hostOf(written));
    expect({ written, range: verdict.range, public: verdict.public }).toEqual({ written, range, public: false });
    expect(judgeAddress(hostOf(written), none).allowed).toBe(false);
  });

  it.each([
    ['8.8.8.8', '8.8.8.8'],
    ['1.1.1.1', '1.1.1.1'],
    ['172.32.0.1', '172.32.0.1'],
    ['[2606:4700:4700::1111]', '2606:4700:4700::1111'],
    ['[::ffff:8.8.8.8]', '::ffff:808:808'],
    ['[64:ff9b::8.8.8.8]', '64:ff9b::808:808'],
    ['[2002:808:808::1]', '2002:808:808::1'],
  ])('lets %s through (public)', (written, address) => {
    expect(classifyAddress(hostOf(written))).toMatchObject({ address, public: true });
    expect(judgeAddress(hostOf(written), none).allowed).toBe(true);
  });

  it('names the IPv4 address an IPv6 form carries', () => {
    expect(classifyAddress('::ffff:7f00:1')).toMatchObject({ range: 'loopback', embedded: '127.0.0.1' });
    expect(classifyAddress('64:ff9b::a01:203')).toMatchObject({ range: 'private', embedded: '10.1.2.3' });
    expect(classifyAddress('2002:7f00:1::')).toMatchObject({ range: 'loopback', embedded: '127.0.0.1' });
  });

  it('refuses what is not an IP address', () => {
    for (const junk of ['localhost', '', 'example.com', '::ffff:999.0.0.1', '1.2.3.4.5']) {
      expect(classifyAddress(junk)).toMatchObject({ range: 'invalid', public: false });
      expect(judgeAddress(junk, new AllowList(['0.0.0.0/0', '::/0'])).allowed).toBe(false);
    }
  });
});

describe('judgeAddress with EGRESS_ALLOW', () => {
  const loopback = new AllowList(['127.0.0.0/8', '::1/128']);

  it('allows what a block contains, and only that', () => {
    expect(judgeAddress('127.0.0.1', loopback).allowed).toBe(true);
    expect(judgeAddress('127.8.9.10', loopback).allowed).toBe(true);
    expect(judgeAddress('::1', loopback).allowed).toBe(true);
    expect(judgeAddress('0.0.0.0', loopback).allowed).toBe(false);
    expect(judgeAddress('10.0.0.1', loopback).allowed).toBe(false);
    expect(judgeAddress('169.254.169.254', loopback).allowed).toBe(false);
    expect(judgeAddress('fd00::2', loopback).allowed).toBe(false);
  });

  it('treats an IPv4-mapped address as the IPv4 host it is, and other carried forms as IPv6 only', () => {
    expect(judgeAddress('::ffff:127.0.0.1', loopback).allowed).toBe(true);
    expect(judgeAddress('::ffff:10.0.0.1', loopback).allowed).toBe(false);
    expect(judgeAddress('64:ff9b::7f00:1', loopback).allowed).toBe(false);
    expect(judgeAddress('64:ff9b::7f00:1', new AllowList(['64:ff9b::/96'])).allowed).toBe(true);
  });

  it('allows a private network the operator names', () => {
    const office = new AllowList(['10.20.0.0/16', 'fd12:3456::/32']);
    expect(judgeAddress('10.20.30.40', office).allowed).toBe(true);
    expect(judgeAddress('10.21.0.1', office).allowed).toBe(false);
    expect(judgeAddress('fd12:3456::9', office).allowed).toBe(true);
    expect(judgeAddress('fd12:3457::9', office).allowed).toBe(false);
    expect(office.size).toBe(2);
  });
});
