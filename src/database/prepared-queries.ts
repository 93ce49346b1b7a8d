import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { poolOf } from './pool';

/**
 * A statement PostgreSQL parses and plans once per connection and then runs by name (the
 * extended protocol's named prepared statement). For the reads that every request of a
 * hot route makes: TypeORM sends each query unnamed, so PostgreSQL parses and plans it
 * every time, which costs more than running these small indexed lookups.
 *
 * The text must name its columns (never `*`): a prepared statement whose result columns
 * change under it (a migration while the instance runs) fails instead of reading them.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const names = new Map<string, string>();

/** Declares a prepared statement; a name stands for one text in the whole process. */
export function preparedStatement(name: string, text: string): PreparedStatement {
  const known = names.get(name);
  if (known !== undefined && known !== text)
    throw new Error(`Prepared statement ${name} is declared twice with different texts`);
  names.set(name, text);
  return { name, text };
}

/**
 * Runs prepared statements on the pool of the application's DataSource (the same
 * connections, settings and limits as every TypeORM query), outside any transaction.
 * Rows come as the pg driver parses them, as from DataSource.query.
 */
@Injectable()
export class PreparedQueries {
  private readonly pool: Pool;

  constructor(@InjectDataSource() ds: DataSource) {
    this.pool = poolOf(ds);
  }

  async rows<T>(statement: PreparedStatement, values: unknown[]): Promise<T[]> {
    const result = await this.pool.query({ name: statement.name, text: statement.text, values });
    return result.rows as T[];
  }
}
