import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { DomainError, ErrorCode } from '../common/domain-error';
import { readIndexHtml, setPageHeaders } from './web-assets';

/** The calendar page at `/`: a static shell; everything it shows comes from the public API. */
@ApiExcludeController()
@Controller()
export class WebController {
  private readonly index = readIndexHtml();

  @Public()
  @Get()
  page(@Res() res: Response): void {
    if (!this.index) {
      throw new DomainError(
        ErrorCode.NotFound,
        'The calendar page is not built: run `npm run build` (npm start does it), or use the API under /v1 (see /docs).',
      );
    }
    setPageHeaders(res, 'revalidate');
    res.type('html').send(this.index);
  }
}
