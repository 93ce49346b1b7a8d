import { Global, Module } from '@nestjs/common';
import { ChangeNotifications } from './change-notifications';
import { PreparedQueries } from './prepared-queries';

/**
 * What the repositories and services share beyond TypeORM: prepared statements for hot
 * reads, and the change notifications that keep per-instance caches of rows current.
 */
@Global()
@Module({
  providers: [PreparedQueries, ChangeNotifications],
  exports: [PreparedQueries, ChangeNotifications],
})
export class DatabaseModule {}
