/**
 * Telling "PostgreSQL cannot be reached (or used) right now" from every other failure: the
 * first is a 503 with Retry-After that a client retries, and it is logged once per outage
 * (DatabaseAvailability), not once per request; everything else stays a bug report (500).
 */

/** Thrown where this code itself decides that the database is not usable now. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Node's socket errors of a connection that cannot be made or was cut. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * SQLSTATEs that say the server cannot serve us now, not that the statement is wrong:
 * class 08 (connection exception), 57014 (statement_timeout, or a cancel), 57P01/57P02
 * (admin or crash shutdown), 57P03 (starting up or shutting down), 57P05 (idle session
 * timeout), 53300 (too many connections), 3D000 (the database is gone), 28000/28P01 (the
 * server refuses our role: a changed password is an outage too, not a bug in a request).
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '57P05',
  '53300',
  '3D000',
  '28000',
  '28P01',
]);

/** What node-postgres, pg-pool and TypeORM say when a connection is missing, cut or timed out. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // unexpectedly, due to connection timeout, or by end() under a query
  /^timeout exceeded when trying to connect$/, // pg-pool: no connection within connectionTimeoutMillis
  /^Query read timeout$/, // pg's own query_timeout
  /is not queryable$/, // a client whose connection already failed or was closed
  /^Cannot use a pool after calling end on the pool$/,
  /^Driver not Connected$/, // TypeORM while the data source is being destroyed
];

function* causes(error: unknown): Generator<unknown> {
  const seen = new Set<unknown>();
  const stack = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === null || e === undefined || seen.has(e)) continue;
    seen.add(e);
    yield e;
    if (typeof e !== 'object') continue;
    const o = e as { driverError?: unknown; cause?: unknown; errors?: unknown };
    // TypeORM's QueryFailedError keeps pg's error as driverError; Node's happy-eyeballs
    // connect fails with an AggregateError of one error per address.
    stack.push(o.driverError, o.cause);
    if (Array.isArray(o.errors)) stack.push(...(o.errors as unknown[]));
  }
}

/**
 * The error in the chain that says the database is unreachable, if any: our own
 * DatabaseUnavailableError first, else the innermost one (pg's, not TypeORM's copy of it).
 */
function unavailableIn(error: unknown): Error | undefined {
  let found: Error | undefined;
  for (const e of causes(error)) {
    if (e instanceof DatabaseUnavailableError) return e;
    if (!(e instanceof Error)) continue;
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (SOCKET_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))
    )
      found = e;
    else if (UNAVAILABLE_MESSAGES.some((m) => m.test(e.message))) found = e;
  }
  return found;
}

/** True when `error` (or what it wraps) says PostgreSQL cannot be reached or used right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailableIn(error) !== undefined;
}

/** A short reason for a log line, e.g. "connect ECONNREFUSED 127.0.0.1:5432" (no stack, no query). */
export function describeDatabaseError(error: unknown): string {
  let e = unavailableIn(error) ?? error;
  // Node's AggregateError of a connect to several addresses has no message of its own.
  if (e instanceof AggregateError && !e.message && e.errors[0] instanceof Error) e = e.errors[0];
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const message = e.message || e.name;
    return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(e);
}
