import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { ActorResolver } from '../auth/actor';
import { ApiTokensRepository } from './api-tokens.repository';
import { MeController } from './me.controller';
import { MembersRepository } from './members.repository';
import { WorkspacesController } from './workspaces.controller';
import { WorkspacesRepository } from './workspaces.repository';
import { WorkspacesService } from './workspaces.service';

@Module({
  imports: [AccountsModule],
  controllers: [WorkspacesController, MeController],
  providers: [
    WorkspacesService,
    WorkspacesRepository,
    MembersRepository,
    ApiTokensRepository,
    { provide: ActorResolver, useExisting: WorkspacesService },
  ],
  exports: [WorkspacesService, ActorResolver],
})
export class WorkspacesModule {}
