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

export function httpUrlField(record: JsonRecord | undefined, key: string): string | undefined {
  const value = stringField(record, key);
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? value : undefined;
  } catch {
    return undefined;
  }
}
