import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { CurrentActor, type Actor } from '../auth/actor';
import { Public, Roles } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import { MediaImportDto, MediaUpdateDto, MediaUploadDto } from './dto/media.dto';
import { MediaLibraryService } from './media-library.service';
import { receiveMultipart } from './media-upload.receiver';
import { MediaMetrics } from './media.metrics';
import { MediaService } from './media.service';
import type { MediaFile } from './media.types';

const uuid = new ParseUUIDPipe();
const ITEM =
  '{id, kind, mimeType, bytes, width?, height?, durationMs?, codec?, alt, focus: {x, y}, sha256, url, thumbnailUrl, createdAt, updatedAt}';

@ApiTags('media')
@ApiBearerAuth()
@Controller()
export class MediaController {
  constructor(
    private readonly media: MediaService,
    private readonly library: MediaLibraryService,
    private readonly metrics: MediaMetrics,
  ) {}

  @Roles('editor')
  @Post('v1/workspaces/:wid/media')
  @ApiOperation({
    summary:
      'Upload a file (multipart/form-data: `file`, optional `alt`): JPEG, PNG, WebP, GIF or MP4 (H.264). 201 new; 200 when the workspace already has the same file (that item)',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: MediaUploadDto })
  @ApiCreatedResponse({ description: ITEM })
  async upload(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    this.media.assertOwn(actor, wid);
    const end = this.metrics.upload.startTimer();
    try {
      const { file, alt } = await receiveMultipart(req, this.media.limits());
      const { item, created } = await this.media.ingest(actor, wid, file, alt);
      // 201 either way, as the contract says (docs/api.md): a duplicate answers the existing item.
      res.status(201);
      end({ kind: item.kind, outcome: created ? 'created' : 'duplicate' });
      return item;
    } catch (e) {
      end({ kind: 'unknown', outcome: 'refused' });
      if (!req.complete) lingerThenClose(req);
      throw e;
    }
  }

  @Roles('editor')
  @Post('v1/workspaces/:wid/media/imports')
  @ApiOperation({ summary: 'Import a file from a URL (fetched by the server through the egress guard)' })
  @ApiCreatedResponse({ description: ITEM })
  async import(
    @CurrentActor() actor: Actor,
    @Param('wid', uuid) wid: string,
    @Body() dto: MediaImportDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    const end = this.metrics.upload.startTimer();
    try {
      const { item, created } = await this.library.importFromUrl(actor, wid, dto.url, dto.alt);
      res.status(201); // as an upload: a duplicate answers the existing item
      end({ kind: item.kind, outcome: created ? 'imported' : 'duplicate' });
      return item;
    } catch (e) {
      end({ kind: 'unknown', outcome: 'refused' });
      throw e;
    }
  }

  @Get('v1/workspaces/:wid/media')
  @ApiOperation({ summary: "The workspace's media library, newest first (paginated)" })
  @ApiOkResponse({ description: `{items: [${ITEM}], nextCursor}` })
  list(@CurrentActor() actor: Actor, @Param('wid', uuid) wid: string, @Query() page: PageQueryDto) {
    return this.media.list(actor, wid, page.limit, page.cursor);
  }

  @Get('v1/media/:id')
  @ApiOkResponse({ description: ITEM })
  get(@CurrentActor() actor: Actor, @Param('id', uuid) id: string) {
    return this.media.get(actor, id);
  }

  @Roles('editor')
  @Patch('v1/media/:id')
  @ApiOperation({ summary: 'Change alt text or focus point' })
  @ApiOkResponse({ description: ITEM })
  update(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Body() dto: MediaUpdateDto) {
    return this.media.update(actor, id, dto);
  }

  @Roles('editor')
  @Delete('v1/media/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an item and its files; 409 while a post that is not yet published uses it' })
  async remove(@CurrentActor() actor: Actor, @Param('id', uuid) id: string): Promise<void> {
    await this.library.remove(actor, id);
  }

  @Get('v1/media/:id/file')
  @ApiProduces('image/jpeg', 'image/png', 'image/webp', 'image/gif', 'video/mp4')
  @ApiOperation({ summary: 'The stored file (images without their metadata)' })
  async file(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Res() res: Response) {
    await send(res, await this.media.openForActor(actor, id, 'file'), 'private, max-age=86400');
  }

  @Get('v1/media/:id/thumbnail')
  @ApiProduces('image/webp')
  @ApiOperation({ summary: 'A WebP thumbnail of at most 320x320 pixels (images only)' })
  async thumbnail(@CurrentActor() actor: Actor, @Param('id', uuid) id: string, @Res() res: Response) {
    await send(res, await this.media.openForActor(actor, id, 'thumbnail'), 'private, max-age=86400');
  }

  @Public()
  @Get('v1/media-files/:id')
  @ApiOperation({ summary: 'A file by signed link (MediaService.signedUrl): 403 bad signature, 410 expired' })
  async signed(
    @Param('id', uuid) id: string,
    @Query() query: Record<string, string | undefined>,
    @Res() res: Response,
  ) {
    await send(res, await this.media.openSigned(id, query), 'private, max-age=300');
  }
}

/** Bytes of a refused upload read (and dropped) after the answer, so the client gets to read it. */
const LINGER_BYTES = 4 * 1024 * 1024;
const LINGER_MS = 5_000;

/**
 * A refused upload whose body is still coming: the answer goes out now, and the rest is read
 * and dropped for a while (a client that stops sending on the answer reads it cleanly; one
 * that goes on is cut off after LINGER_BYTES or LINGER_MS). Closing the connection at once
 * would reset it, and a client still sending would lose the answer with it.
 */
function lingerThenClose(req: Request): void {
  let drained = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > LINGER_BYTES) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

async function send(res: Response, file: MediaFile, cacheControl: string): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', file.mimeType);
  res.setHeader('Content-Length', String(file.bytes));
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Content-Disposition', 'inline');
  await pipeline(file.stream, res).catch(() => res.destroy());
}
