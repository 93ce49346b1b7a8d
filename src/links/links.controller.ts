import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { LinksService } from './links.service';
import { notAClick } from './preview-agents';

/**
 * `GET /l/{code}`: the tracked link of a published post (outside /v1: readers follow it,
 * no key, no session). 302 to the code's stored target, nothing else: no parameter, path or
 * header changes where it leads (no open redirect). A GET from a reader counts one click
 * (buffered, see LinksService); HEAD (Express answers it with this route) and preview
 * fetchers get the same 302 and count nothing. An unknown or malformed code is a 404.
 */
@ApiExcludeController()
@Controller('l')
export class LinksController {
  constructor(
    private readonly links: LinksService,
    private readonly clock: Clock,
  ) {}

  @Public()
  @Get(':code')
  async follow(@Param('code') code: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const target = await this.links.targetOf(code);
    if (target === null) throw DomainError.notFound('The link');
    if (notAClick(req.method, req.headers) === null) this.links.count(code, this.clock.now());
    res
      .status(302)
      .set({
        // Each follow must reach the service to be counted; no cache keeps the answer.
        'Cache-Control': 'private, no-store',
        // The target learns the source from its UTM tags, not the page the reader was on.
        'Referrer-Policy': 'no-referrer',
        'X-Robots-Tag': 'noindex',
      })
      .location(target)
      .end();
  }
}
