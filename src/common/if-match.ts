import { DomainError, ErrorCode } from './domain-error';

/** The version an If-Match header asks for; undefined when absent or "*". */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m) throw DomainError.invalid('If-Match', 'If-Match must be the quoted version of the resource, e.g. "3"');
  return Number(m[1]);
}

export function assertVersion(expected: number | undefined, actual: number, what: string): void {
  if (expected !== undefined && expected !== actual) {
    throw new DomainError(
      ErrorCode.StaleVersion,
      `${what} has changed since you read it (now version ${actual}); reload it and try again.`,
      {
        currentVersion: actual,
      },
    );
  }
}
