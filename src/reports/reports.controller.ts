import { Controller, Get, Headers, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor';
import { ReportQueryDto } from './dto/report.dto';
import { reportCsv } from './report.csv';
import { ReportsService } from './reports.service';

const uuid = new ParseUUIDPipe();

/** `Accept: text/csv` asks for the posts as CSV; anything else gets the JSON report. */
const wantsCsv = (accept: string | undefined) => /(^|[\s,])text\/csv\b/i.test(accept ?? '');

function sendCsv(res: Response, name: string, from: string, to: string, body: string): string {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="palinsesto-${name}-${from}-${to}.csv"`);
  return body;
}

@ApiTags('reports')
@ApiBearerAuth()
@Controller('v1')
export class ReportsController {
  constructor(private readonly service: ReportsService) {}

  @Get('channels/:cid/report')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary:
      "The channel's health report over from..to (days in its zone; default the last 4 full weeks): discipline, mix, engagement, clicks, best times, KPIs, reason; text/csv: its published posts with their latest metrics",
  })
  async channel(
    @CurrentActor() actor: Actor,
    @Param('cid', uuid) cid: string,
    @Query() query: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const report = await this.service.channelReport(actor, cid, query);
    if (!wantsCsv(accept)) return report;
    const { from, to } = report.period;
    return sendCsv(res, `channel-${cid}`, from, to, reportCsv(report.engagement.posts));
  }

  @Get('workspaces/:wid/report')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary:
      "Every active channel's report over from..to (days in the workspace's zone), with totals; text/csv: all their published posts, with a channel column",
  })
  async workspace(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Query() query: ReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const report = await this.service.workspaceReport(actor, wid, query);
    if (!wantsCsv(accept)) return report;
    const rows = report.channels.flatMap((c) => c.engagement.posts.map((p) => ({ channel: c.channel.name, ...p })));
    const { from, to } = report.period;
    return sendCsv(res, `workspace-${wid}`, from, to, reportCsv(rows, true));
  }
}
