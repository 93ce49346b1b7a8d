import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/data-source.options';
import { createTestDatabase } from '../support/test-database';

describe('schema', () => {
  it('entities and migrations agree (a generated migration would be empty)', async () => {
    const database = await createTestDatabase();
    const ds = new DataSource(dataSourceOptions(database.url, { poolSize: 1 }));
    await ds.initialize();
    try {
      const { upQueries } = await ds.driver.createSchemaBuilder().log();
      expect(upQueries.map((q) => q.query)).toEqual([]);
      const migrated = await ds.query('SELECT name FROM migrations ORDER BY id');
      expect(migrated.length).toBe(ds.migrations.length);
    } finally {
      await ds.destroy();
      await database.drop();
    }
  });
});
