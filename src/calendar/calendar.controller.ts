import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor';
import { CalendarAnswer, CalendarService } from './calendar.service';
import { CalendarQueryDto, WorkspaceCalendarQueryDto } from './dto/calendar.dto';

const uuid = new ParseUUIDPipe();

/**
 * Sends a serialized calendar with its strong ETag, gzip-compressed when the answer can be
 * and the client accepts it (another representation, so another ETag); 304 without a body
 * when the request's If-None-Match names the ETag (express `req.fresh`). `private,
 * no-cache`: a client may keep the answer but must ask again (with If-None-Match) before
 * using it, and no shared cache keeps it.
 */
async function send(req: Request, res: Response, answer: CalendarAnswer): Promise<void> {
  res.setHeader('Cache-Control', 'private, no-cache');
  if (answer.gzip) res.setHeader('Vary', 'Accept-Encoding');
  const gzip = answer.gzip && req.acceptsEncodings('gzip', 'identity') === 'gzip' ? answer.gzip : undefined;
  res.setHeader('ETag', gzip ? `${answer.etag.slice(0, -1)}-gz"` : answer.etag);
  if (req.fresh) {
    res.status(304).end();
    return;
  }
  const body = gzip ? await gzip() : answer.body();
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  if (gzip) res.setHeader('Content-Encoding', 'gzip');
  res.status(200).send(body);
}

@ApiTags('calendar')
@ApiBearerAuth()
@ApiHeader({
  name: 'If-None-Match',
  required: false,
  description: 'An ETag of an earlier answer: 304 while it is still the answer',
})
@ApiResponse({ status: 304, description: 'Not modified since the ETag sent in If-None-Match' })
@Controller('v1')
export class CalendarController {
  constructor(private readonly service: CalendarService) {}

  @Get('channels/:cid/calendar')
  @ApiOperation({ summary: "A channel's plan over a range: posts, gaps, violations and content mix" })
  async channel(
    @CurrentActor() actor: Actor,
    @Param('cid', uuid) cid: string,
    @Query() query: CalendarQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await send(req, res, await this.service.forChannel(actor, cid, query));
  }

  @Get('workspaces/:wid/calendar')
  @ApiOperation({ summary: 'The same over every active channel of the workspace (or one)' })
  async workspace(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Query() query: WorkspaceCalendarQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await send(req, res, await this.service.forWorkspace(actor, wid, query));
  }
}
