import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { Optional } from '../../common/validators';

export class ReportQueryDto {
  @ApiPropertyOptional({
    example: '2026-11-02',
    description: "First day (in the channel's, or workspace's, zone). Default: the last 4 full weeks",
  })
  @Optional()
  @IsString()
  @MaxLength(20)
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-29', description: 'Last day, inclusive; at most 366 days after from' })
  @Optional()
  @IsString()
  @MaxLength(20)
  to?: string;
}
