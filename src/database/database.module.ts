import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ChangeNotifications } from './change-notifications';
import { DatabaseAvailability, DatabaseAvailabilityMiddleware } from './database-availability';
import { PreparedQueries } from './prepared-queries';

/**
 * What the repositories and services share beyond TypeORM: prepared statements for hot
 * reads, the change notifications that keep per-instance caches of rows current, and
 * whether the database can be reached (API routes answer 503 at once while it cannot).
 */
@Global()
@Module({
  providers: [PreparedQueries, ChangeNotifications, DatabaseAvailability],
  exports: [PreparedQueries, ChangeNotifications, DatabaseAvailability],
})
export class DatabaseModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The routes that need the database; /ping, /health, /metrics and the page do not.
    consumer.apply(DatabaseAvailabilityMiddleware).forRoutes('v1/*path', 'ical/*path');
  }
}
