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
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor';
import { Roles } from '../auth/auth.decorators';
import { parseIfMatch } from '../common/if-match';
import { Idempotent } from '../common/idempotent.decorator';
import {
  mapPost,
  NextSlotQueryDto,
  PostActionDto,
  PostCreateDto,
  PostListQueryDto,
  PostQueueDto,
  PostScheduleDto,
  PostUpdateDto,
  PostValidateDto,
} from './dto/post.dto';
import { PlatformLimitsDto } from './dto/platform-limits.dto';
import { PostMutation, PostsService } from './posts.service';

const uuid = new ParseUUIDPipe();

function withETag(res: Response, post: { version: number }) {
  res.setHeader('ETag', `"${post.version}"`);
  return post;
}

@ApiTags('posts')
@ApiBearerAuth()
@Controller('v1')
export class PostsController {
  constructor(private readonly service: PostsService) {}

  @Roles('editor')
  @Idempotent()
  @Post('channels/:cid/posts')
  @ApiOperation({ summary: 'Create a draft post' })
  async create(
    @CurrentActor() actor: Actor,
    @Param('cid', uuid) cid: string,
    @Body() dto: PostCreateDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.service.create(actor, cid, dto));
  }

  @Get('channels/:cid/posts')
  list(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string, @Query() query: PostListQueryDto) {
    return this.service.list(actor, cid, query, query.limit, query.cursor);
  }

  @Post('channels/:cid/posts/validate')
  @HttpCode(200)
  @ApiOperation({ summary: 'The rule check of a post at a time, saving nothing' })
  validate(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string, @Body() dto: PostValidateDto) {
    return this.service.validate(actor, cid, dto);
  }

  @Get('channels/:cid/next-slot')
  @ApiOperation({
    summary: 'The earliest time after `after` (default now), on a posting slot if any, that breaks no rule',
  })
  nextSlot(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string, @Query() query: NextSlotQueryDto) {
    return this.service.nextSlot(actor, cid, query);
  }

  @Get('channels/:cid/limits')
  @ApiOperation({
    summary:
      "What the channel's platform takes: text length (as it counts it) and media counts, types and sizes; a Mastodon channel's come from its instance (cached), else the platform's stock numbers",
  })
  @ApiOkResponse({ type: PlatformLimitsDto })
  limits(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string) {
    return this.service.channelLimits(actor, cid);
  }

  @Roles('editor')
  @Post('posts/:pid/queue')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add to queue: schedule the post at the next free slot' })
  async queue(
    @CurrentActor() actor: Actor,
    @Param('pid', uuid) pid: string,
    @Body() dto: PostQueueDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.service.queue(actor, pid, dto, parseIfMatch(ifMatch)));
  }

  @Get('posts/:pid')
  async get(@CurrentActor() actor: Actor, @Param('pid', uuid) pid: string, @Res({ passthrough: true }) res: Response) {
    return withETag(res, mapPost(await this.service.get(actor, pid)));
  }

  @Roles('editor')
  @Patch('posts/:pid')
  @ApiOperation({ summary: 'Edit a post; If-Match: "<version>" answers 412 when stale' })
  async update(
    @CurrentActor() actor: Actor,
    @Param('pid', uuid) pid: string,
    @Body() dto: PostUpdateDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.service.update(actor, pid, dto, parseIfMatch(ifMatch)));
  }

  @Roles('editor')
  @Delete('posts/:pid')
  @HttpCode(204)
  async remove(@CurrentActor() actor: Actor, @Param('pid', uuid) pid: string, @Headers('if-match') ifMatch?: string) {
    await this.service.remove(actor, pid, parseIfMatch(ifMatch));
  }

  @Roles('editor')
  @Post('posts/:pid/submit')
  @HttpCode(200)
  @ApiOperation({ summary: 'draft -> in_review' })
  async submit(
    @CurrentActor() actor: Actor,
    @Param('pid', uuid) pid: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.service.submit(actor, pid, parseIfMatch(ifMatch)));
  }

  @Roles('lead')
  @Post('posts/:pid/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'in_review -> approved (lead)' })
  async approve(
    @CurrentActor() actor: Actor,
    @Param('pid', uuid) pid: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.service.approve(actor, pid, parseIfMatch(ifMatch)));
  }

  @Roles('lead')
  @Post('posts/:pid/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'in_review -> draft (lead), with an optional reason' })
  async reject(
    @CurrentActor() actor: Actor,
    @Param('pid', uuid) pid: string,
    @Body() dto: PostActionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.service.reject(actor, pid, dto.reason, parseIfMatch(ifMatch)));
  }

  @Roles('editor')
  @Post('posts/:pid/schedule')
  @HttpCode(200)
  @ApiOperation({ summary: '-> scheduled (from approved, or from draft without approval); rules run' })
  async schedule(
    @CurrentActor() actor: Actor,
    @Param('pid', uuid) pid: string,
    @Body() dto: PostScheduleDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PostMutation> {
    return withETag(res, await this.service.schedule(actor, pid, dto, parseIfMatch(ifMatch))) as PostMutation;
  }

  @Roles('editor')
  @Post('posts/:pid/unschedule')
  @HttpCode(200)
  @ApiOperation({ summary: 'scheduled -> approved; never refused, opened gaps are reported' })
  async unschedule(
    @CurrentActor() actor: Actor,
    @Param('pid', uuid) pid: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.service.unschedule(actor, pid, parseIfMatch(ifMatch)));
  }

  @Roles('editor')
  @Post('posts/:pid/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: '-> cancelled (from any state before publishing)' })
  async cancel(
    @CurrentActor() actor: Actor,
    @Param('pid', uuid) pid: string,
    @Body() dto: PostActionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.service.cancel(actor, pid, dto.reason, parseIfMatch(ifMatch)));
  }
}
