import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentActor, type Actor } from '../auth/actor';
import { Public, Roles } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import { FeedCreateDto } from './dto/feed.dto';
import { FeedsService, RequestOrigin } from './feeds.service';

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
  @Post()
  @ApiOperation({ summary: 'Create an iCal feed; answers its subscription url (with the secret token) once' })
  @ApiCreatedResponse({ description: '{id, name, url, channelIds, includeDrafts, includeGaps, windowDays, ...}' })
  create(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Body() dto: FeedCreateDto, @Req() req: Request) {
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
  get(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Param('fid', uuid) fid: string) {
    return this.service.get(actor, wid, fid);
  }

  @Roles('editor')
  @Post(':fid/rotate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the secret token: answers the new url; the old one answers 404' })
  rotate(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Param('fid', uuid) fid: string, @Req() req: Request) {
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
  constructor(private readonly service: FeedsService) {}

  @Public()
  @Get(':file')
  @ApiProduces('text/calendar')
  @ApiOperation({
    summary: 'An iCal feed (RFC 5545), no api key: the token in the url is the secret. ETag/If-None-Match, HEAD.',
  })
  async ical(@Param('file') file: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const token = file.endsWith('.ics') ? file.slice(0, -'.ics'.length) : '';
    const feed = await this.service.open(token, originOf(req));
    setValidators(res, feed.etag, feed.lastModified);
    if (notModified(req, feed.etag, feed.lastModified)) {
      res.status(304).end();
      return;
    }
    const head = req.method === 'HEAD';
    let body = feed.cached ?? (feed.pending && !head ? await feed.pending : undefined);
    res.status(200);
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.setHeader('Content-Disposition', `inline; filename="${slug(feed.name)}.ics"`);
    if (body || head) {
      if (body) res.setHeader('Content-Length', body.length);
      res.end(head ? undefined : body);
      return;
    }
    const rendered = await feed.render!();
    setValidators(res, rendered.etag, rendered.lastModified);
    await stream(res, rendered.chunks);
  }
}

/** Writes the pieces as they are rendered, respecting back-pressure. A client that leaves
 * does not stop the render: it still fills the cache for the next poll. */
async function stream(res: Response, chunks: AsyncGenerator<Buffer, void, undefined>): Promise<void> {
  let gone = false;
  res.once('close', () => (gone = true));
  for await (const chunk of chunks) {
    if (gone || res.destroyed) continue;
    if (!res.write(chunk)) {
      await drainOrClose(res);
    }
  }
  if (!gone && !res.destroyed) res.end();
}

function drainOrClose(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function slug(name: string): string {
  return name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'palinsesto';
}
