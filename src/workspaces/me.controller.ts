import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '../auth/actor';
import { mapWorkspace } from './dto/workspace.dto';
import { WorkspacesService } from './workspaces.service';

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(private readonly service: WorkspacesService) {}

  @Get()
  @ApiOperation({ summary: 'Who the api key belongs to: member, role and workspace' })
  async me(@CurrentActor() actor: Actor) {
    const workspace = await this.service.get(actor, actor.workspaceId);
    return { memberId: actor.memberId, name: actor.name, role: actor.role, workspace: mapWorkspace(workspace) };
  }
}
