import type { FieldError } from '../common/domain-error';
import type { Platform } from './channel.entity';

type Check = (value: unknown) => string | null;

const httpUrl: Check = (v) => {
  if (typeof v !== 'string' || v.length > 2048) return 'must be an http(s) URL';
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must be an http(s) URL';
  } catch {
    return 'must be an http(s) URL';
  }
};
const secret: Check = (v) =>
  typeof v === 'string' && v.length >= 1 && v.length <= 4096 ? null : 'must be a non-empty string';
const nonNegativeInt =
  (max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max
      ? null
      : `must be a whole number from 0 to ${max}`;
const positiveInt =
  (max: number): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= max
      ? null
      : `must be a whole number from 1 to ${max}`;

/** Fields of each platform's credentials: [name, check, required]. */
const SCHEMAS: Record<Platform, [string, Check, boolean][]> = {
  mock: [
    ['latencyMs', nonNegativeInt(60_000), false],
    ['failEvery', positiveInt(1_000_000), false],
  ],
  webhook: [
    ['url', httpUrl, true],
    ['secret', secret, false],
  ],
  mastodon: [
    ['instanceUrl', httpUrl, true],
    ['accessToken', secret, true],
  ],
  bluesky: [
    ['service', httpUrl, true],
    ['identifier', secret, true],
    ['appPassword', secret, true],
  ],
};

/** Field errors of credentials for a platform (empty when valid). Values never appear in messages. */
export function credentialErrors(platform: Platform, credentials: unknown): FieldError[] {
  if (typeof credentials !== 'object' || credentials === null || Array.isArray(credentials)) {
    return [{ field: 'credentials', message: 'credentials must be an object' }];
  }
  const given = credentials as Record<string, unknown>;
  const schema = SCHEMAS[platform];
  const known = new Set(schema.map(([name]) => name));
  const errors: FieldError[] = Object.keys(given)
    .filter((k) => !known.has(k))
    .map((k) => ({
      field: `credentials.${k}`,
      message: `is not a ${platform} credential (expected ${[...known].join(', ')})`,
    }));
  for (const [name, check, required] of schema) {
    if (given[name] === undefined) {
      if (required) errors.push({ field: `credentials.${name}`, message: `is required for ${platform}` });
      continue;
    }
    const problem = check(given[name]);
    if (problem) errors.push({ field: `credentials.${name}`, message: problem });
  }
  return errors;
}

/** Platforms whose channels cannot publish without credentials. */
export function credentialsRequired(platform: Platform): boolean {
  return SCHEMAS[platform].some(([, , required]) => required);
}

/** The credentials fields that are addresses Palinsesto connects to (checked by the egress guard). */
export function addressFields(platform: Platform): string[] {
  return SCHEMAS[platform].filter(([, check]) => check === httpUrl).map(([name]) => name);
}
