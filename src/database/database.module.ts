import { Global, Module } from '@nestjs/common';
import { PreparedQueries } from './prepared-queries';

/** What the repositories share beyond TypeORM: prepared statements for hot reads. */
@Global()
@Module({
  providers: [PreparedQueries],
  exports: [PreparedQueries],
})
export class DatabaseModule {}
