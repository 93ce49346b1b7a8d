import type { Platform } from './platform-adapter';
import { PublishError } from './publish-error';

/**
 * Reading channel credentials without ever echoing them: every failure names the field,
 * never its value, and is `rejected` (the channel must be fixed; retrying cannot help).
 */
function missing(platform: Platform, key: string, what: string): PublishError {
  return new PublishError(
    'rejected',
    `The ${platform} channel's credentials need "${key}" (${what}); update the channel's credentials.`,
    { platform },
  );
}

export function requireString(credentials: Record<string, unknown>, key: string, platform: Platform): string {
  const value = credentials[key];
  if (typeof value !== 'string' || value.trim() === '') throw missing(platform, key, 'a non-empty string');
  return value.trim();
}

export function requireHttpUrl(credentials: Record<string, unknown>, key: string, platform: Platform): URL {
  const raw = requireString(credentials, key, platform);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw missing(platform, key, 'an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw missing(platform, key, 'an absolute http(s) URL');
  return url;
}

export function optionalString(
  credentials: Record<string, unknown>,
  key: string,
  platform: Platform,
): string | undefined {
  const value = credentials[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw missing(platform, key, 'a string');
  return value;
}

export function optionalNonNegativeInt(
  credentials: Record<string, unknown>,
  key: string,
  platform: Platform,
): number | undefined {
  const value = credentials[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw missing(platform, key, 'a whole number, 0 or more');
  }
  return value;
}

export function optionalStringArray(
  credentials: Record<string, unknown>,
  key: string,
  platform: Platform,
): string[] | undefined {
  const value = credentials[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw missing(platform, key, 'a list of strings');
  }
  return value;
}

/** A base URL without trailing slashes, e.g. `https://mastodon.social`. */
export function baseUrl(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
