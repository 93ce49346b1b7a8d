import { applyDecorators } from '@nestjs/common';
import { IsString, Matches, ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';
import { Transform } from 'class-transformer';
import { DateTime, IANAZone } from 'luxon';

/** An IANA time zone name that luxon knows (Europe/Rome, America/New_York, UTC). */
export function isTimeZone(value: unknown): boolean {
  return typeof value === 'string' && value.length <= 64 && IANAZone.isValidZone(value);
}

export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: isTimeZone,
        defaultMessage: (args) => `${args?.property} must be an IANA time zone such as Europe/Rome`,
      },
    },
    options,
  );
}

/** A wall-clock time HH:mm (00:00 to 23:59). */
export function IsWallClock(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    IsString(options),
    Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: '$property must be a wall-clock time HH:mm', ...options }),
  );
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Instants parsed lately, by their text (null: not an instant). Validating and then using
 * an instant parses it twice, and a calendar's range comes again with every request of
 * everyone who looks at it: luxon's parse was a tenth of such a request's CPU.
 */
const parsedInstants = new Map<string, number | null>();
const PARSED_INSTANTS_MAX = 512;

function parseInstant(value: string): number | null {
  if (value.length > 40) return null;
  let parsed = parsedInstants.get(value);
  if (parsed === undefined) {
    const at = INSTANT.test(value) ? DateTime.fromISO(value, { setZone: true }) : null;
    parsed = at?.isValid ? at.toMillis() : null;
    if (parsedInstants.size >= PARSED_INSTANTS_MAX) parsedInstants.clear();
    parsedInstants.set(value, parsed);
  }
  return parsed;
}

/** An ISO 8601 instant with a date, a time and an offset or Z. */
export function isInstant(value: unknown): boolean {
  return typeof value === 'string' && parseInstant(value) !== null;
}

export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    ValidateBy(
      {
        name: 'isInstant',
        validator: {
          validate: isInstant,
          defaultMessage: (args) =>
            `${args?.property} must be an ISO 8601 instant with an offset, e.g. 2026-03-29T09:00:00+02:00`,
        },
      },
      options,
    ),
  );
}

/** The instant a validated ISO 8601 text names (isInstant); Invalid Date for any other text. */
export function toDate(value: string): Date {
  return new Date(parseInstant(value) ?? NaN);
}

/** The field may be left out; null is not accepted (unlike class-validator's @IsOptional). */
export function Optional(): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined);
}

/** The field may be left out or set to null (to clear it). */
export function Nullable(): PropertyDecorator {
  return ValidateIf((_, value) => value !== undefined && value !== null);
}

/**
 * An instant in a query string. A "+" offset that the client did not percent-encode
 * arrives as a space; it is read back as "+" rather than refused.
 */
export function IsQueryInstant(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.replace(/ (\d{2}:?\d{2})$/, '+$1') : value,
    ),
    IsInstant(options),
  );
}
