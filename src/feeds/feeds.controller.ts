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
  Req,
  Res,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor';
import { Public, Roles } from '../auth/auth.decorators';
import { DomainError, ErrorCode } from '../common/domain-error';
import { parseIfMatch } from '../common/if-match';
import { PageQueryDto } from '../common/pagination';
import { Idempotent } from '../common/idempotent.decorator';
import { CredentialThrottle } from '../throttle/credential-throttle';
import { FeedCreateDto, FeedUpdateDto } from './dto/feed.dto';
import { FeedDocument, FeedsService, FeedUnavailableError, RequestOrigin } from './feeds.service';

/** Seconds a client is asked to wait before asking again for a feed that could not be rendered. */
const RETRY_AFTER_SECONDS = 60;

const uuid = new ParseUUIDPipe();

function originOf(req: Request): RequestOrigin {
  const host = req.get('host') ?? 'localhost';
  return { origin: `${req.protocol}://${host}`, hostname: req.hostname ?? 'localhost' };
}

@ApiTags('feeds')
@ApiBearerAuth()
@Controller('v1/workspaces/:wid/feeds')
export class FeedsController {
  constructor(private readonly service: FeedsService) {}

  @Roles('editor')
  @Idempotent()
  @Post()
  @ApiOperation({ summary: 'Create an iCal feed; answers its subscription url (with the secret token) once' })
  @ApiCreatedResponse({ description: '{id, name, url, channelIds, includeDrafts, includeGaps, windowDays, ...}' })
  create(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Body() dto: FeedCreateDto,
    @Req() req: Request,
  ) {
    return this.service.create(actor, wid, dto, originOf(req));
  }

  @Roles('editor')
  @Get()
  @ApiOperation({ summary: "The workspace's feeds (without their urls: rotate a feed to get a new one)" })
  list(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Query() page: PageQueryDto) {
    return this.service.list(actor, wid, page.limit, page.cursor);
  }

  @Roles('editor')
  @Get(':fid')
  async get(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Param('fid', uuid) fid: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const feed = await this.service.get(actor, wid, fid);
    res.setHeader('ETag', `"${feed.version}"`);
    return feed;
  }

  @Roles('editor')
  @Patch(':fid')
  @ApiOperation({
    summary:
      'Change a feed\'s name, channels, drafts, gaps or window; the url stays the same. If-Match: "<version>" answers 412 when stale',
  })
  async update(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Param('fid', uuid) fid: string,
    @Body() dto: FeedUpdateDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const feed = await this.service.update(actor, wid, fid, dto, parseIfMatch(ifMatch));
    res.setHeader('ETag', `"${feed.version}"`);
    return feed;
  }

  @Roles('editor')
  @Post(':fid/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the secret token: answers the new url; the old one answers 404' })
  rotate(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Param('fid', uuid) fid: string,
    @Req() req: Request,
  ) {
    return this.service.rotate(actor, wid, fid, originOf(req));
  }

  @Roles('editor')
  @Delete(':fid')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a feed: its url answers 404 from now on' })
  async remove(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Param('fid', uuid) fid: string) {
    await this.service.remove(actor, wid, fid);
  }
}

/** `If-None-Match` (weak comparison, RFC 9110 13.1.2); it overrides `If-Modified-Since`. */
function notModified(req: Request, etag: string, lastModified: Date): boolean {
  const inm = req.get('if-none-match');
  if (inm !== undefined) {
    const opaque = etag.replace(/^W\//, '');
    return inm.split(',').some((t) => {
      const tag = t.trim();
      return tag === '*' || tag.replace(/^W\//, '') === opaque;
    });
  }
  const ims = req.get('if-modified-since');
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

function setValidators(res: Response, etag: string, lastModified: Date): void {
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', lastModified.toUTCString());
  // The url is a secret: no shared cache keeps it; clients revalidate (cheap 304) each time.
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

@ApiTags('feeds')
@Controller('ical')
export class IcalController {
  constructor(
    private readonly service: FeedsService,
    private readonly throttle: CredentialThrottle,
  ) {}

  @Public()
  @Get(':file')
  @ApiProduces('text/calendar')
  @ApiOperation({
    summary:
      'An iCal feed (RFC 5545), no api key: the token in the url is the secret. ETag/If-None-Match, HEAD. Too many unknown tokens from one address: 429.',
  })
  async ical(@Param('file') file: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const token = file.endsWith('.ics') ? file.slice(0, -'.ics'.length) : '';
    const feed = await this.service.open(token, originOf(req)).catch(async (error: unknown) => {
      // An unknown token counts against the client address; past the limit, 429 instead of 404.
      if (error instanceof DomainError && error.code === ErrorCode.NotFound)
        throw (await this.throttle.refusal('feed_token', req.ip, res)) ?? error;
      throw error;
    });
    if (notModified(req, feed.etag, feed.lastModified)) {
      setValidators(res, feed.etag, feed.lastModified);
      res.status(304).end();
      return;
    }
    const head = req.method === 'HEAD';
    // HEAD answers the validators without rendering; GET waits for the document (cached,
    // being rendered by another request, or rendered now in the render worker).
    let doc: FeedDocument | undefined;
    if (!head) {
      try {
        doc = await feed.load();
      } catch (error) {
        if (!(error instanceof FeedUnavailableError)) throw error;
        res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
        res.setHeader('Cache-Control', 'no-store');
        throw new ServiceUnavailableException(error.message);
      }
    }
    setValidators(res, doc?.etag ?? feed.etag, doc?.lastModified ?? feed.lastModified);
    res.status(200);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', `inline; filename="${slug(feed.name)}.ics"`);
    const length = doc?.body.length ?? feed.cached?.length;
    if (length !== undefined) res.setHeader('Content-Length', length);
    res.end(doc?.body);
  }
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[^A-Za-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'palinsesto'
  );
}
