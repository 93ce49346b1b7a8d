import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { Optional } from './validators';
import { DomainError } from './domain-error';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @Optional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 50;

/**
 * Cursors are opaque to clients: base64url JSON of a keyset position. Every list of this API
 * pages by (an instant, a uuid): the position's `id` is the row's uuid, each other member an
 * instant as `Date.toISOString()` writes it (or "infinity", the place of undated posts).
 * Decoding holds a cursor to exactly that shape, so a hand-made or damaged one is a 400 and
 * never reaches SQL as a value PostgreSQL refuses. A well-formed hand-made position is just
 * a place in the caller's own list: every list query is scoped by the caller's workspace.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CURSOR_MAX_LENGTH = 512;

function isPositionValue(key: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (key === 'id') return UUID.test(value);
  // Year 0000 is an ISO year but no PostgreSQL one (1 BC has no place in a timestamptz text).
  return (
    value === 'infinity' ||
    (ISO.test(value) &&
      !value.startsWith('0000') &&
      !Number.isNaN(Date.parse(value)) &&
      new Date(value).toISOString() === value)
  );
}

export function encodeCursor(position: Record<string, string | number | null>): string {
  for (const [key, value] of Object.entries(position)) {
    if (!isPositionValue(key, value)) throw new Error(`cursor position ${key} is not a uuid (id) or an ISO instant`);
  }
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor<T extends Record<string, string>>(
  cursor: string | undefined,
  keys: (keyof T & string)[],
): T | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => DomainError.invalid('cursor', 'cursor is not a cursor this API returned');
  if (cursor.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]*$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  const entries = Object.entries(value);
  if (entries.length !== keys.length || !keys.every((k) => Object.hasOwn(value as object, k))) throw invalid();
  if (!entries.every(([k, v]) => isPositionValue(k, v))) throw invalid();
  return value as T;
}

/** Builds a page from rows fetched with limit + 1. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  map: (row: R) => T,
  positionOf: (row: R) => Record<string, string | number | null>,
): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return {
    items: items.map(map),
    nextCursor: more ? encodeCursor(positionOf(items[items.length - 1])) : null,
  };
}
