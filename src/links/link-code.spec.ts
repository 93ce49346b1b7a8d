import { CODE_LENGTH, CODE_PATTERN, newLinkCode } from './link-code';

describe('newLinkCode', () => {
  it('gives 12 base62 characters, distinct and spread over the whole alphabet', () => {
    const codes = Array.from({ length: 5000 }, () => newLinkCode());
    for (const code of codes) {
      expect(code).toHaveLength(CODE_LENGTH);
      expect(code).toMatch(CODE_PATTERN);
    }
    expect(new Set(codes).size).toBe(codes.length);
    const counts = new Map<string, number>();
    for (const ch of codes.join('')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 60,000 characters, about 968 each: no character far off (a biased modulo would be ~25% off).
    for (const n of counts.values()) expect(Math.abs(n - 60000 / 62)).toBeLessThan(150);
  });

  it('the pattern accepts nothing but a code', () => {
    for (const bad of [
      '',
      'a'.repeat(11),
      'a'.repeat(13),
      'abc/defghijk',
      'abcdefghijk%',
      'abcdefghijké',
      'abcdefghijk\n',
    ])
      expect(CODE_PATTERN.test(bad)).toBe(false);
  });
});
