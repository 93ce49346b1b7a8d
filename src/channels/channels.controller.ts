import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor';
import { Roles } from '../auth/auth.decorators';
import { parseIfMatch } from '../common/if-match';
import { Idempotent } from '../common/idempotent.decorator';
import { ChannelsService } from './channels.service';
import { ChannelCreateDto, ChannelListQueryDto, ChannelUpdateDto } from './dto/channel.dto';

const uuid = new ParseUUIDPipe();

@ApiTags('channels')
@ApiBearerAuth()
@Controller('v1')
export class ChannelsController {
  constructor(private readonly service: ChannelsService) {}

  @Roles('lead')
  @Idempotent()
  @Post('workspaces/:wid/channels')
  @ApiOperation({ summary: 'Create a channel (beyond maxActiveChannels it succeeds with a warning)' })
  create(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Body() dto: ChannelCreateDto) {
    return this.service.create(actor, wid, dto);
  }

  @Get('workspaces/:wid/channels')
  list(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Query() query: ChannelListQueryDto) {
    return this.service.list(actor, wid, query, query.limit, query.cursor);
  }

  @Get('channels/:cid')
  async get(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string, @Res({ passthrough: true }) res: Response) {
    const channel = await this.service.describe(actor, cid);
    res.setHeader('ETag', `"${channel.version}"`);
    return channel;
  }

  @Roles('lead')
  @Patch('channels/:cid')
  @ApiOperation({ summary: 'Change a channel; If-Match: "<version>" answers 412 when stale' })
  async update(
    @CurrentActor() actor: Actor,
    @Param('cid', uuid) cid: string,
    @Body() dto: ChannelUpdateDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const channel = await this.service.update(actor, cid, dto, parseIfMatch(ifMatch));
    res.setHeader('ETag', `"${channel.version}"`);
    return channel;
  }

  @Roles('lead')
  @Delete('channels/:cid')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive a channel' })
  async archive(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string) {
    await this.service.archive(actor, cid);
  }
}
