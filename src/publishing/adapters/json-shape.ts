/** Tiny readers for platform JSON, so that parsing never needs `any`. */
export type JsonRecord = Record<string, unknown>;

export function asRecord(value: unknown): JsonRecord | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonRecord) : undefined;
}

export function stringField(record: JsonRecord | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A string or number id, as a string (webhook receivers answer either). */
export function idField(record: JsonRecord | undefined, key: string): string | undefined {
  const value = record?.[key];
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return stringField(record, key);
}

/** Longest URL taken from a platform's answer. */
export const MAX_URL_LENGTH = 2048;

/**
 * An absolute http(s) URL, as given, or undefined: no other scheme (`javascript:`, `data:`,
 * `mock:`...), no whitespace or control characters, at most MAX_URL_LENGTH characters. What
 * adapters accept as a post's externalUrl from a platform's answer.
 */
export function httpUrl(value: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (!value || value.length > MAX_URL_LENGTH || /[\s\u0000-\u001f\u007f-\u009f]/.test(value)) return undefined;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function httpUrlField(record: JsonRecord | undefined, key: string): string | undefined {
  return httpUrl(stringField(record, key));
}
