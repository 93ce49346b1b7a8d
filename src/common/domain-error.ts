/**
 * Errors that use cases throw. Each code maps to one HTTP problem in
 * problem-details.filter.ts; nothing below the controllers knows about HTTP.
 */
export enum ErrorCode {
  NotFound = 'not_found',
  Forbidden = 'forbidden',
  Unauthenticated = 'unauthenticated',
  InvalidInput = 'invalid_input',
  IllegalTransition = 'illegal_transition',
  Conflict = 'conflict',
  StaleVersion = 'stale_version',
  RuleViolation = 'rule_violation',
  Unprocessable = 'unprocessable',
  RateLimited = 'rate_limited',
  /** A body (an upload) larger than the limit: 413. */
  TooLarge = 'too_large',
  /** A file of a type the endpoint does not take: 415. */
  UnsupportedType = 'unsupported_type',
  /** A signed link whose signature is wrong (403) or whose time is up (410). */
  LinkExpired = 'link_expired',
}

export interface FieldError {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { errors?: FieldError[]; violations?: unknown[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static notFound(what: string): DomainError {
    return new DomainError(ErrorCode.NotFound, `${what} was not found.`);
  }

  static invalid(field: string, message: string): DomainError {
    return new DomainError(ErrorCode.InvalidInput, message, { errors: [{ field, message }] });
  }
}
