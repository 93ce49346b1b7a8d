import { Body, Controller, Get, Param, ParseUUIDPipe, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '../auth/actor';
import { Roles } from '../auth/auth.decorators';
import { AlertsService } from './alerts.service';
import { AlertListQueryDto, AlertMuteDto, AlertSettingsDto } from './dto/alert.dto';

const uuid = new ParseUUIDPipe();

@ApiTags('alerts')
@ApiBearerAuth()
@Controller('v1')
export class AlertsController {
  constructor(private readonly service: AlertsService) {}

  @Get('workspaces/:wid/alerts')
  @ApiOperation({
    summary:
      'Alerts of the workspace, newest first: cadence gaps, inactivity, under-cadence weeks, failed publications',
  })
  list(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Query() query: AlertListQueryDto) {
    return this.service.list(actor, wid, query);
  }

  @Get('workspaces/:wid/alerts/:aid/suggested-slots')
  @ApiOperation({
    summary:
      "Free times that would fill the alert's gap (the ones its email offers), for the category the channel's mix wants",
  })
  suggestedSlots(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Param('aid', uuid) aid: string) {
    return this.service.suggestedSlots(actor, wid, aid);
  }

  @Roles('lead')
  @Get('workspaces/:wid/alert-settings')
  @ApiOperation({ summary: 'Alert settings (webhook secrets are never returned)' })
  settings(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string) {
    return this.service.getSettings(actor, wid);
  }

  @Roles('lead')
  @Put('workspaces/:wid/alert-settings')
  @ApiOperation({ summary: "Lookahead, email recipients (default: the leads) and webhooks of the workspace's alerts" })
  putSettings(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Body() dto: AlertSettingsDto) {
    return this.service.putSettings(actor, wid, dto);
  }

  @Roles('lead')
  @Get('workspaces/:wid/digest/preview')
  @ApiOperation({
    summary:
      'The weekly digest of the last full week as its webhook would receive it, with its recipients; sends nothing',
  })
  digestPreview(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string) {
    return this.service.digestPreview(actor, wid);
  }

  @Roles('lead')
  @Put('channels/:cid/alert-mute')
  @ApiOperation({ summary: "Deliver none of the channel's alerts until a date (they are still listed); null unmutes" })
  mute(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string, @Body() dto: AlertMuteDto) {
    return this.service.mute(actor, cid, dto);
  }
}
