import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { IsQueryInstant, Optional } from '../../common/validators';

export class CalendarQueryDto {
  @ApiPropertyOptional({ description: 'Start (inclusive); default: start of the current month in the channel zone' })
  @Optional()
  @IsQueryInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'End (exclusive); default: one month after from' })
  @Optional()
  @IsQueryInstant()
  to?: string;
}

export class WorkspaceCalendarQueryDto extends CalendarQueryDto {
  @ApiPropertyOptional({ description: 'Only this channel' })
  @Optional()
  @IsUUID()
  channelId?: string;
}
