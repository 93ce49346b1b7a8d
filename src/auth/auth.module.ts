import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';

/**
 * Every route needs an api key unless @Public(); @Roles() sets the least role. The guard
 * asks an ActorResolver, which the module that owns members exports; the composition root
 * (app.module.ts) names that module, so auth imports no feature folder.
 */
@Module({})
export class AuthModule {
  static forRoot(actorsFrom: Type<unknown>): DynamicModule {
    return {
      module: AuthModule,
      imports: [actorsFrom],
      providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
    };
  }
}
