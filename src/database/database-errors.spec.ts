import { describeDatabaseError, DatabaseUnavailableError, isDatabaseUnavailable } from './database-errors';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** What TypeORM throws for a failed query: pg's error as driverError, its fields copied. */
function queryFailed(driverError: Error): Error {
  return Object.assign(new Error(String(driverError)), { ...driverError, name: 'QueryFailedError', driverError });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a host that does not resolve', withCode('getaddrinfo EAI_AGAIN db', 'EAI_AGAIN')],
    ['a connection cut under a query', new Error('Connection terminated unexpectedly')],
    ['a connect that timed out', new Error('Connection terminated due to connection timeout')],
    ['no pool connection in time', new Error('timeout exceeded when trying to connect')],
    ['a client that broke earlier', new Error('Client has encountered a connection error and is not queryable')],
    ['statement_timeout', queryFailed(withCode('canceling statement due to statement timeout', '57014'))],
    ['an admin shutdown', queryFailed(withCode('terminating connection due to administrator command', '57P01'))],
    ['a server starting up', withCode('the database system is starting up', '57P03')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['a connection exception', withCode('connection failure', '08006')],
    ['a database that is gone', withCode('database "x" does not exist', '3D000')],
    ['the deadline of DeadlineClient', new DatabaseUnavailableError('PostgreSQL gave no answer within 5500 ms')],
    ['a cause', new Error('Rendering failed', { cause: withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED') })],
    ['one address of many', new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '')],
  ])('is true for %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', queryFailed(withCode('duplicate key value violates unique constraint "x"', '23505'))],
    ['a syntax error (a bug)', queryFailed(withCode('syntax error at or near "SELEC"', '42601'))],
    ['a deadlock', queryFailed(withCode('deadlock detected', '40P01'))],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('is false for %s', (_what, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('survives a cycle of causes', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(isDatabaseUnavailable(a)).toBe(false);
  });
});

describe('describeDatabaseError', () => {
  it('names the reason in one short line, from the error that says it', () => {
    expect(describeDatabaseError(queryFailed(withCode('canceling statement due to statement timeout', '57014')))).toBe(
      'canceling statement due to statement timeout (57014)',
    );
    expect(describeDatabaseError(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(
      'connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(
      describeDatabaseError(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], '')),
    ).toBe('connect ECONNREFUSED ::1:5432');
  });
});
