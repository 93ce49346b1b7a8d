import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AfterCommitEvents } from './after-commit-events';
import { ChangeNotifications } from './change-notifications';
import { DatabaseAvailability, DatabaseAvailabilityMiddleware } from './database-availability';
import { PreparedQueries } from './prepared-queries';

/**
 * What the repositories and services share beyond TypeORM: prepared statements for hot
 * reads, the change notifications that keep per-instance caches of rows current, the
 * events delivered after the transaction that states them commits (needs the application's
 * EventEmitterModule), and whether the database can be reached (API routes answer 503 at
 * once while it cannot).
 */
@Global()
@Module({
  providers: [PreparedQueries, ChangeNotifications, AfterCommitEvents, DatabaseAvailability],
  exports: [PreparedQueries, ChangeNotifications, AfterCommitEvents, DatabaseAvailability],
})
export class DatabaseModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The routes that need the database; /ping, /health, /metrics and the page do not.
    consumer.apply(DatabaseAvailabilityMiddleware).forRoutes('v1/*path', 'ical/*path');
  }
}
