import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ActorResolver, CurrentActor, type Actor } from '../auth/actor';
import { Public, Roles } from '../auth/auth.decorators';
import { readSessionCookie } from '../auth/session-cookie';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { BlueskyConnectService } from './bluesky-connect.service';
import { ConnectionCheckService } from './connection-check.service';
import { BlueskyConnectDto, MastodonConnectDto } from './dto/connect.dto';
import { MastodonConnectService } from './mastodon-connect.service';
import { TestDeliveryService } from './test-delivery.service';

const uuid = new ParseUUIDPipe();

/**
 * Connecting channels (docs/api.md, "Connecting accounts"): Mastodon by OAuth (start here,
 * the instance sends the browser back to the public callback), Bluesky by app password, a
 * webhook's test delivery, and the connection check.
 */
@ApiTags('channels')
@ApiBearerAuth()
@Controller('v1')
export class ConnectController {
  constructor(
    private readonly mastodon: MastodonConnectService,
    private readonly bluesky: BlueskyConnectService,
    private readonly checks: ConnectionCheckService,
    private readonly testDelivery: TestDeliveryService,
    private readonly actors: ActorResolver,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Roles('lead')
  @Post('workspaces/:wid/connect/mastodon')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start connecting a Mastodon account: answers the instance page to send the browser to' })
  startMastodon(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Body() dto: MastodonConnectDto,
    @Req() req: Request,
  ) {
    return this.mastodon.start(actor, wid, dto, this.origin(req));
  }

  @Public()
  @Get('connect/mastodon/callback')
  @ApiOperation({ summary: 'Where the Mastodon instance sends the browser back (redirects to the page)' })
  async mastodonCallback(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const cookie = readSessionCookie(req);
    const signedIn =
      cookie === undefined ? null : ((await this.actors.bySession(cookie, undefined))?.user ?? 'invalid');
    const outcome = await this.mastodon.finish(query, signedIn);
    const page = `${this.origin(req)}/`;
    res.redirect(
      302,
      'denied' in outcome
        ? `${page}#connect_error=access_denied&platform=mastodon`
        : `${page}#channel=${outcome.channelId}&connected=mastodon`,
    );
  }

  @Roles('lead')
  @Post('workspaces/:wid/connect/bluesky')
  @ApiOperation({ summary: 'Connect a Bluesky account by handle and app password (201 the channel; 200 reconnected)' })
  async connectBluesky(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Body() dto: BlueskyConnectDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { created, channel } = await this.bluesky.connect(actor, wid, dto);
    res.status(created ? 201 : 200);
    return channel;
  }

  @Roles('lead')
  @Post('channels/:cid/test-delivery')
  @HttpCode(200)
  @ApiOperation({ summary: "Send a signed test delivery to a webhook channel's URL" })
  sendTest(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string) {
    return this.testDelivery.send(actor, cid);
  }

  @Roles('lead')
  @Post('channels/:cid/check-connection')
  @HttpCode(200)
  @ApiOperation({ summary: "Check the channel's credentials now; answers the channel with its connection state" })
  checkConnection(@CurrentActor() actor: Actor, @Param('cid', uuid) cid: string) {
    return this.checks.checkOne(actor, cid);
  }

  private origin(req: Request): string {
    return this.config.publicUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}`;
  }
}
