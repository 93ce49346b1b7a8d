/**
 * The api key lives in sessionStorage: it survives a reload of the tab and is forgotten when
 * the tab or browser closes, and it is never put into a URL or a cookie.
 */
const KEY = 'palinsesto.apiKey';

export const session = {
  key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
  },
};
