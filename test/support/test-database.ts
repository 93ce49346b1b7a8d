import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/data-source.options';

const TEMPLATE_LOCK = 7_316_402;

function adminUrl(): string {
  const url = process.env.PALINSESTO_TEST_ADMIN_URL;
  if (!url) throw new Error('PALINSESTO_TEST_ADMIN_URL is unset: run integration tests through jest (globalSetup)');
  return url;
}

function urlFor(database: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${database}`;
  return u.toString();
}

async function withAdmin<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database for one test file, cloned from a template that the first caller of
 * this run migrates (under an advisory lock, so parallel workers migrate it once).
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const run = process.env.PALINSESTO_TEST_RUN ?? 'local';
  const template = `pt_${run}_template`;
  const name = `pt_${run}_${randomBytes(5).toString('hex')}`;
  await withAdmin(async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (!rowCount) {
        await c.query(`CREATE DATABASE "${template}"`);
        const ds = new DataSource(dataSourceOptions(urlFor(template), { poolSize: 1 }));
        await ds.initialize(); // runs the migrations
        await ds.destroy();
      }
      await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  return {
    url: urlFor(name),
    drop: () => withAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
