import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentActor, CurrentUser, type Actor, type SignedInUser } from '../auth/actor';
import { UserRoute } from '../auth/auth.decorators';
import { mapWorkspace, TokenCreateDto } from './dto/workspace.dto';
import { WorkspacesService } from './workspaces.service';

@ApiTags('workspaces')
@ApiBearerAuth()
@ApiCookieAuth('palinsesto_session')
@Controller('v1/me')
export class MeController {
  constructor(private readonly service: WorkspacesService) {}

  /**
   * By api key: the key's member, role and workspace (as before), and its account with
   * every membership. By session cookie: the same for the workspace the request names
   * (X-Workspace-Id, else the oldest); member fields null when the user belongs to none.
   */
  @UserRoute()
  @Get()
  @ApiOperation({ summary: 'Who is calling: the member, role and workspace, and the user with their memberships' })
  async me(@Req() req: Request & { actor?: Actor; user?: SignedInUser }) {
    const actor = req.actor;
    const workspace = actor ? await this.service.get(actor, actor.workspaceId) : null;
    const user = req.user;
    return {
      memberId: actor?.memberId ?? null,
      name: actor?.name ?? user?.name ?? null,
      role: actor?.role ?? null,
      workspace: workspace ? mapWorkspace(workspace) : null,
      via: actor?.via ?? 'session',
      user: user ? { id: user.userId, name: user.name, email: user.email } : null,
      memberships: user ? await this.service.membershipsOf(user.userId) : [],
    };
  }

  @Post('tokens')
  @ApiOperation({
    summary: 'Create a personal access token for your membership in this workspace; answers its secret once',
  })
  createToken(@CurrentActor() actor: Actor, @Body() dto: TokenCreateDto) {
    return this.service.createToken(actor, dto);
  }

  @UserRoute()
  @Get('tokens')
  @ApiOperation({ summary: 'Your personal access tokens in all your workspaces, with their last use' })
  tokens(@CurrentUser() user: SignedInUser) {
    return this.service.listTokens(user.userId);
  }

  @UserRoute()
  @Delete('tokens/:tid')
  @HttpCode(204)
  async revokeToken(
    @CurrentUser() user: SignedInUser,
    @Param('tid', new ParseUUIDPipe({ version: undefined })) tid: string,
  ) {
    await this.service.revokeToken(user.userId, tid);
  }
}
