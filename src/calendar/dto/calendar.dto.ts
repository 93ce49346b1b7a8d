import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { IsInstant } from '../../common/validators';

export class CalendarQueryDto {
  @ApiPropertyOptional({ description: 'Start (inclusive); default: start of the current month in the channel zone' })
  @IsOptional()
  @IsInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'End (exclusive); default: one month after from' })
  @IsOptional()
  @IsInstant()
  to?: string;
}

export class WorkspaceCalendarQueryDto extends CalendarQueryDto {
  @ApiPropertyOptional({ description: 'Only this channel' })
  @IsOptional()
  @IsUUID()
  channelId?: string;
}
