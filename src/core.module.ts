import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuditService } from './audit/audit.service';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { Clock, SystemClock } from './common/clock';

/** Configuration, the clock and the audit trail: used by every feature module. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: CoreModule,
      providers: [{ provide: APP_CONFIG, useValue: config }, { provide: Clock, useValue: clock }, AuditService],
      exports: [APP_CONFIG, Clock, AuditService],
    };
  }
}
