import * as fc from 'fast-check';
import { FEED_TOKEN_LENGTH, generateFeedToken, hashFeedToken, isWellFormedToken, tokenMatches } from './feed-token';

describe('feed tokens', () => {
  it('are 43 URL-safe characters that decode to 32 random bytes', () => {
    const token = generateFeedToken();
    expect(token).toHaveLength(FEED_TOKEN_LENGTH);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(token)).toBe(token);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(Buffer.from(token, 'base64url').toString('base64url')).toBe(token);
  });

  it('do not repeat and spread over the whole alphabet', () => {
    const tokens = Array.from({ length: 2000 }, generateFeedToken);
    expect(new Set(tokens).size).toBe(tokens.length);
    const seen = new Set(tokens.join(''));
    expect(seen.size).toBe(64);
  });

  it('every generated token is well formed', () => {
    for (let i = 0; i < 1000; i++) expect(isWellFormedToken(generateFeedToken())).toBe(true);
  });

  it('rejects anything else before a database lookup', () => {
    const good = generateFeedToken();
    for (const bad of [
      '',
      good.slice(1),
      good + 'A',
      good + '.ics',
      good.slice(0, 42) + '=',
      good.slice(0, 42) + 'B', // non-canonical last character: 32 bytes never end so
      good.slice(0, 10) + '/' + good.slice(11),
      good.slice(0, 10) + '+' + good.slice(11),
      good.slice(0, 10) + '%' + good.slice(11),
      good.slice(0, 10) + 'é' + good.slice(11),
      ' ' + good.slice(1),
      `${good.slice(0, 42)}A\n`,
      undefined,
      null,
      42,
      ['x'],
    ]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
  });

  it('hashes to the SHA-256 hex digest', () => {
    expect(hashFeedToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const token = generateFeedToken();
    expect(hashFeedToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashFeedToken(token)).not.toContain(token);
    expect(hashFeedToken(token)).toBe(hashFeedToken(token));
  });

  it('matches a token only against its own hash', () => {
    const token = generateFeedToken();
    const stored = hashFeedToken(token);
    expect(tokenMatches(token, stored)).toBe(true);
    expect(tokenMatches(token, stored.toUpperCase())).toBe(true);
    expect(tokenMatches(generateFeedToken(), stored)).toBe(false);
    expect(tokenMatches(token.slice(0, -1), stored)).toBe(false);
    expect(tokenMatches(token, hashFeedToken(generateFeedToken()))).toBe(false);
  });

  it('never matches a malformed stored hash, and does not throw on one', () => {
    const token = generateFeedToken();
    const stored = hashFeedToken(token);
    for (const bad of ['', stored.slice(2), stored + '00', stored.slice(0, -1) + 'g', token]) {
      expect(tokenMatches(token, bad)).toBe(false);
    }
  });

  it('any string matches its own hash and no other (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.string({ unit: 'binary', maxLength: 64 }),
        (a, b) => {
          expect(tokenMatches(a, hashFeedToken(a))).toBe(true);
          expect(tokenMatches(a, hashFeedToken(b))).toBe(a === b);
        },
      ),
    );
  });
});
