import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor, type Actor } from '../auth/actor';
import { CalendarService } from './calendar.service';
import { CalendarQueryDto, WorkspaceCalendarQueryDto } from './dto/calendar.dto';

const uuid = new ParseUUIDPipe();

@ApiTags('calendar')
@ApiBearerAuth()
@Controller('v1')
export class CalendarController {
  constructor(private readonly service: CalendarService) {}

  @Get('channels/:cid/calendar')
  @ApiOperation({ summary: "A channel's plan over a range: posts, gaps, violations and content mix" })
  channel(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string, @Query() query: CalendarQueryDto) {
    return this.service.forChannel(actor, cid, query);
  }

  @Get('workspaces/:wid/calendar')
  @ApiOperation({ summary: 'The same over every active channel of the workspace (or one)' })
  workspace(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Query() query: WorkspaceCalendarQueryDto) {
    return this.service.forWorkspace(actor, wid, query);
  }
}
