import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { ApiKeyGuard } from './api-key.guard';

/** Every route needs an api key unless @Public(); @Roles() sets the least role. */
@Module({
  imports: [WorkspacesModule],
  providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }],
})
export class AuthModule {}
