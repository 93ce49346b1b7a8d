import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { dataSourceOptions } from './data-source.options';

/** A query runner that records what a migration sends, inside a transaction or not. */
function recorder(inTransaction: boolean) {
  const sent: string[] = [];
  const q = {
    isTransactionActive: inTransaction,
    query: async (sql: string) => void sent.push(sql.trim().split(/\s+/).slice(0, 4).join(' ')),
  };
  return { q: q as unknown as QueryRunner, sent };
}

describe('dataSourceOptions', () => {
  const options = dataSourceOptions('postgres://u:p@127.0.0.1/db', { timeoutMs: 1234 });
  const extra = options.extra as Record<string, unknown>;

  it('bounds the pool by DB_TIMEOUT_MS: acquire, statement, and a later client deadline', () => {
    expect(extra).toMatchObject({
      connectionTimeoutMillis: 1234,
      statement_timeout: 1234,
      readDeadlineMs: 1734,
      keepAlive: true,
    });
    expect((dataSourceOptions('postgres://u:p@127.0.0.1/db').extra as Record<string, unknown>).statement_timeout).toBe(
      5000,
    );
  });

  it('runs every migration, under its own name, without the statement timeout', async () => {
    const migrations = options.migrations as (new () => MigrationInterface)[];
    expect(migrations.map((M) => new M().name)).toEqual(MIGRATIONS.map((M) => new M().name));
    expect(migrations.map((M) => M.name)).toEqual(MIGRATIONS.map((M) => M.name));

    const inside = recorder(true);
    await new migrations[0]().up(inside.q);
    expect(inside.sent[0]).toBe('SET LOCAL statement_timeout =');
    expect(inside.sent.length).toBeGreaterThan(1);
    expect(inside.sent).not.toContain('RESET statement_timeout');

    const outside = recorder(false);
    await new migrations[0]().down(outside.q);
    expect(outside.sent[0]).toBe('SET statement_timeout = 0');
    expect(outside.sent.at(-1)).toBe('RESET statement_timeout');
  });
});
