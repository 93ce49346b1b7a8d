import type { Request } from 'express';
import { loadConfig } from '../config/app-config';
import { foreignBrowserOrigin, readSessionCookie, sameOrigin } from './session-cookie';

const req = (headers: Record<string, string>, protocol = 'http') =>
  ({ headers: { host: 'app.example:3000', ...headers }, protocol }) as unknown as Request;

describe('the CSRF origin rule', () => {
  const unset = loadConfig({});
  const pinned = { ...loadConfig({}), publicUrl: 'https://palinsesto.example.com' };

  it("accepts the request's own origin when PUBLIC_URL is unset, by Origin or else Referer", () => {
    expect(sameOrigin(req({ origin: 'http://app.example:3000' }), unset)).toBe(true);
    expect(sameOrigin(req({ referer: 'http://app.example:3000/calendar?x=1' }), unset)).toBe(true);
    expect(sameOrigin(req({ origin: 'https://app.example:3000' }), unset)).toBe(false);
    expect(sameOrigin(req({ origin: 'http://app.example:3001' }), unset)).toBe(false);
  });

  it("accepts only PUBLIC_URL's origin when set, whatever the Host says", () => {
    expect(sameOrigin(req({ origin: 'https://palinsesto.example.com' }), pinned)).toBe(true);
    expect(sameOrigin(req({ origin: 'http://app.example:3000' }), pinned)).toBe(false);
    expect(sameOrigin(req({ referer: 'https://palinsesto.example.com/x' }), pinned)).toBe(true);
  });

  it('refuses neither header, Origin null, a foreign Origin with our Referer, and junk', () => {
    expect(sameOrigin(req({}), unset)).toBe(false);
    expect(sameOrigin(req({ origin: 'null' }), unset)).toBe(false);
    expect(sameOrigin(req({ origin: 'https://evil.example', referer: 'http://app.example:3000/' }), unset)).toBe(false);
    expect(sameOrigin(req({ referer: 'not a url' }), unset)).toBe(false);
  });

  it('lets a script with neither header through the public endpoints, not a foreign page', () => {
    expect(foreignBrowserOrigin(req({}), unset)).toBe(false);
    expect(foreignBrowserOrigin(req({ origin: 'https://evil.example' }), unset)).toBe(true);
    expect(foreignBrowserOrigin(req({ origin: 'http://app.example:3000' }), unset)).toBe(false);
  });

  it('reads the session cookie among others', () => {
    expect(readSessionCookie(req({ cookie: 'a=1; palinsesto_session=abc; b=2' }))).toBe('abc');
    expect(readSessionCookie(req({ cookie: 'palinsesto_sessionx=abc' }))).toBeUndefined();
    expect(readSessionCookie(req({}))).toBeUndefined();
  });
});
