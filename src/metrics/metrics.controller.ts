import { Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentActor, type Actor } from '../auth/actor';
import { Public } from '../auth/auth.decorators';
import { SIGNATURE_HEADER } from '../publishing/adapters/webhook-signature';
import { PostMetricsDto, WebhookMetricsAnswerDto } from './dto/post-metrics.dto';
import { PostMetricsService } from './post-metrics.service';
import { WebhookMetricsReceiver } from './webhook-metrics.receiver';

const uuid = new ParseUUIDPipe();

@ApiTags('metrics')
@Controller('v1')
export class MetricsController {
  constructor(
    private readonly service: PostMetricsService,
    private readonly webhook: WebhookMetricsReceiver,
  ) {}

  @Get('posts/:pid/metrics')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "A published post's counts from its platform over time (oldest first), and its collection's state",
  })
  @ApiOkResponse({ type: PostMetricsDto })
  ofPost(@CurrentActor() actor: Actor, @Param('pid', uuid) pid: string): Promise<PostMetricsDto> {
    return this.service.forActor(actor, pid);
  }

  @Public()
  @Post('hooks/webhook-metrics/:cid')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "The webhook platform's receiver reports a post's counts, signed with the channel's webhook secret (X-Palinsesto-Signature)",
  })
  @ApiOkResponse({ type: WebhookMetricsAnswerDto })
  receive(
    @Param('cid') cid: string,
    @Req() req: Request & { rawBody?: Buffer },
    @Headers(SIGNATURE_HEADER.toLowerCase()) signature?: string,
  ): Promise<WebhookMetricsAnswerDto> {
    return this.webhook.receive(cid, req.rawBody, signature);
  }
}
