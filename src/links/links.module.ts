import { Module } from '@nestjs/common';
import { LinksRepository } from './links.repository';
import { LinksService } from './links.service';

/** Tracked links and their clicks (channel `trackLinks`); see docs/api.md "Tracked links". */
@Module({
  providers: [LinksRepository, LinksService],
  exports: [LinksService],
})
export class LinksModule {}
