import { Module } from '@nestjs/common';
import { ActorResolver } from '../auth/actor';
import { MeController } from './me.controller';
import { MembersRepository } from './members.repository';
import { WorkspacesController } from './workspaces.controller';
import { WorkspacesRepository } from './workspaces.repository';
import { WorkspacesService } from './workspaces.service';

@Module({
  controllers: [WorkspacesController, MeController],
  providers: [
    WorkspacesService,
    WorkspacesRepository,
    MembersRepository,
    { provide: ActorResolver, useExisting: WorkspacesService },
  ],
  exports: [WorkspacesService, ActorResolver],
})
export class WorkspacesModule {}
