import { Global, Module } from '@nestjs/common';
import { AfterCommitEvents } from './after-commit-events';
import { ChangeNotifications } from './change-notifications';
import { PreparedQueries } from './prepared-queries';

/**
 * What the repositories and services share beyond TypeORM: prepared statements for hot
 * reads, the change notifications that keep per-instance caches of rows current, and the
 * events delivered after the transaction that states them commits (needs the application's
 * EventEmitterModule).
 */
@Global()
@Module({
  providers: [PreparedQueries, ChangeNotifications, AfterCommitEvents],
  exports: [PreparedQueries, ChangeNotifications, AfterCommitEvents],
})
export class DatabaseModule {}
