import { Module } from '@nestjs/common';
import { WebController } from './web.controller';

/** The browser page (built from web/); see web-assets.ts for how its files are served. */
@Module({ controllers: [WebController] })
export class WebModule {}
