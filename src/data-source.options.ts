import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { ENTITIES } from './entities';

export function dataSourceOptions(url: string, overrides: Partial<{ poolSize: number; applicationName: string }> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // gen_random_uuid() is built into PostgreSQL 13+: no extension, no superuser needed.
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    // Failed queries are reported by the problem-details filter without their parameters,
    // which may hold secrets (webhook URLs, ciphertexts, token hashes): TypeORM logs none.
    logging: false,
    extra: {
      max: overrides.poolSize ?? 20,
      application_name: overrides.applicationName ?? 'palinsesto',
      // Every instant is timestamptz; the session zone only affects how PostgreSQL
      // prints them, and we always read them as JS Dates.
      options: '-c timezone=UTC',
    },
  };
}
