import pg from 'pg';

export default async function globalTeardown() {
  const embedded = globalThis.__PALINSESTO_PG__;
  if (embedded) {
    await embedded.stop();
    return;
  }
  // An external server (DATABASE_URL): drop what this run created.
  const runId = process.env.PALINSESTO_TEST_RUN;
  const client = new pg.Client({ connectionString: process.env.PALINSESTO_TEST_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname DESC`, [
      `pt_${runId}_%`,
    ]);
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
