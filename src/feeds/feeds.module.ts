import { Module } from '@nestjs/common';
import { CalendarModule } from '../calendar/calendar.module';
import { ChannelsModule } from '../channels/channels.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { FeedsController, IcalController } from './feeds.controller';
import { FeedsRepository } from './feeds.repository';
import { FeedsService } from './feeds.service';

@Module({
  imports: [WorkspacesModule, ChannelsModule, CalendarModule],
  controllers: [FeedsController, IcalController],
  providers: [FeedsService, FeedsRepository],
})
export class FeedsModule {}
