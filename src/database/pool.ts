import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * The pg pool behind the application's DataSource (TypeORM's PostgresDriver `master`): its
 * connections and settings, for what TypeORM has no API for (named prepared statements,
 * the options of a LISTEN connection). The one place that reaches into the driver.
 */
export function poolOf(ds: DataSource): Pool {
  return (ds.driver as PostgresDriver).master as Pool;
}
