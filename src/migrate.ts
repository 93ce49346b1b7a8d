import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.options';
import { startEmbeddedPostgres } from './database/embedded-postgres';

/**
 * Runs the migrations of migrations/index.ts that the database at `url` has not run yet,
 * each in its own transaction; answers their names, in order ([] when it was up to date).
 */
export async function runPendingMigrations(url: string): Promise<string[]> {
  const ds = new DataSource({
    ...dataSourceOptions(url, { poolSize: 1, applicationName: 'palinsesto-migrate' }),
    migrationsRun: false,
  });
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/**
 * `npm run migration:run`: the pending migrations against DATABASE_URL or, when it is unset,
 * against the embedded PostgreSQL of DATA_DIR (default ./data) that `npm start` uses. The
 * service also runs them when it starts; this runs them alone (e.g. before a rolling restart).
 */
async function main(): Promise<void> {
  const logger = new Logger('Migrations');
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres(process.env.DATA_DIR || './data');
  try {
    const ran = await runPendingMigrations(process.env.DATABASE_URL || embedded!.url);
    logger.log(ran.length > 0 ? `Ran ${ran.length}: ${ran.join(', ')}.` : 'No pending migrations.');
  } finally {
    await embedded?.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    new Logger('Migrations').error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
