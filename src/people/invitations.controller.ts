import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentActor, type Actor, type SignedInUser } from '../auth/actor';
import { Public, Roles } from '../auth/auth.decorators';
import { foreignBrowserOrigin, setSessionCookie } from '../auth/session-cookie';
import { DomainError, ErrorCode } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { InvitationAcceptDto, InvitationCreateDto } from './dto/people.dto';
import { PeopleService } from './people.service';

const uuid = new ParseUUIDPipe({ version: undefined });

@ApiTags('invitations')
@Controller('v1')
export class InvitationsController {
  constructor(
    private readonly people: PeopleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @ApiBearerAuth()
  @Roles('lead')
  @Post('workspaces/:wid/invitations')
  @ApiOperation({ summary: 'Invite by email with a role: the email carries a single-use link that expires' })
  invite(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Body() dto: InvitationCreateDto) {
    return this.people.invite(actor, wid, dto);
  }

  @ApiBearerAuth()
  @Roles('lead')
  @Get('workspaces/:wid/invitations')
  @ApiOperation({ summary: 'Open invitations (not accepted, not expired)' })
  list(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string) {
    return this.people.listInvitations(actor, wid);
  }

  @Public()
  @Post('invitations/:token/accept')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Accept an invitation once: set a name and password (or be signed in); answers a session cookie',
  })
  async accept(
    @Param('token') token: string,
    @Body() dto: InvitationAcceptDto,
    @Req() req: Request & { user?: SignedInUser },
    @Res({ passthrough: true }) res: Response,
  ) {
    if (foreignBrowserOrigin(req, this.config))
      throw new DomainError(ErrorCode.Forbidden, "This request must come from this service's own pages.");
    const { body, sessionToken } = await this.people.accept(token, dto, req.user, req.ip);
    if (sessionToken) setSessionCookie(res, sessionToken, this.config);
    return body;
  }
}
