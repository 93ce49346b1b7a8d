import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsTimeZone, Optional, Nullable } from '../../common/validators';
import { ChannelEntity, DEFAULT_LATENESS_LIMIT_MINUTES, type Platform, PLATFORMS } from '../channel.entity';
import { ChannelRulesDto, PostingSlotDto } from '../channel-rules';
import { IsKpiItems, type KpiItem } from '../channel-kpis';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class ChannelUtmDto {
  @ApiProperty({ example: 'spring-2027', description: 'utm_campaign of every link published on the channel' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  campaign: string;
}

class ChannelStrategyFields {
  @ApiPropertyOptional({ description: 'Why the team is on this platform' })
  @Optional()
  @IsString()
  @MaxLength(2000)
  purpose?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(2000)
  audience?: string;

  @ApiPropertyOptional({ example: 'awareness', description: 'The one primary goal: awareness, sales, loyalty...' })
  @Optional()
  @IsString()
  @MaxLength(100)
  goal?: string;

  @ApiPropertyOptional({
    example: ['newsletter signups', { metric: 'clicks', period: 'week', target: 20, alertAfter: 2 }],
    description:
      'Free text, or measurable: {metric: posts|clicks|engagements|engagementPerPost|informativeShare, period: week|month, target, alertAfter?}',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsKpiItems()
  kpis?: KpiItem[];

  @ApiPropertyOptional({ description: 'Tone-of-voice guidelines shown to whoever drafts for the channel' })
  @Optional()
  @IsString()
  @MaxLength(10000)
  guidelines?: string;

  @ApiPropertyOptional({ default: true })
  @Optional()
  @IsBoolean()
  approvalRequired?: boolean;

  @ApiPropertyOptional({
    default: true,
    description: 'Refuse posts whose library media have no alt text (the post item’s or the library’s)',
  })
  @Optional()
  @IsBoolean()
  requireAltText?: boolean;

  @ApiPropertyOptional({ type: ChannelRulesDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelRulesDto)
  rules?: ChannelRulesDto;

  @ApiPropertyOptional({
    default: DEFAULT_LATENESS_LIMIT_MINUTES,
    minimum: 1,
    maximum: 43200,
    description:
      'A post more than this many minutes past due (e.g. after an outage) is not published: it fails with reason missed',
  })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(43200)
  latenessLimitMinutes?: number;

  @ApiPropertyOptional({
    type: ChannelUtmDto,
    nullable: true,
    description:
      'Links in published posts get utm_source (platform), utm_medium=social and utm_campaign; null turns tagging off',
  })
  @Nullable()
  @IsObject()
  @ValidateNested()
  @Type(() => ChannelUtmDto)
  utm?: ChannelUtmDto | null;

  @ApiPropertyOptional({ type: [PostingSlotDto] })
  @Optional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsObject({ each: true, message: 'each of postingSlots must be an object {weekday, time}' })
  @ValidateNested({ each: true })
  @Type(() => PostingSlotDto)
  postingSlots?: PostingSlotDto[];
}

export class ChannelCreateDto extends ChannelStrategyFields {
  @ApiProperty({ example: 'Acme on Mastodon' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS)
  platform: Platform;

  @ApiProperty({ example: '@acme@mastodon.social' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  handle: string;

  @ApiProperty({ example: 'Europe/Rome' })
  @IsTimeZone()
  timezone: string;

  @ApiPropertyOptional({ description: 'Write-only; shape depends on the platform (see docs/api.md)' })
  @Optional()
  @IsObject()
  credentials?: Record<string, unknown>;
}

export class ChannelUpdateDto extends ChannelStrategyFields {
  @ApiPropertyOptional()
  @Optional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @Optional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(300)
  handle?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ enum: ['active', 'archived'], description: 'active re-activates an archived channel' })
  @Optional()
  @IsIn(['active', 'archived'])
  status?: 'active' | 'archived';

  @ApiPropertyOptional({ description: 'Write-only; replaces the stored credentials; null removes them' })
  @Nullable()
  @IsObject()
  credentials?: Record<string, unknown> | null;
}

export class ChannelListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'archived', 'all'], default: 'active' })
  @Optional()
  @IsIn(['active', 'archived', 'all'])
  status?: 'active' | 'archived' | 'all';
}

const STRATEGY_FIELDS = ['purpose', 'audience', 'goal', 'kpis'] as const;

/** What a channel plan lacks of the strategy the domain asks for (shown as health flags). */
export function missingStrategy(c: ChannelEntity): string[] {
  return STRATEGY_FIELDS.filter((f) => {
    const v = c[f];
    return v === null || v === undefined || (Array.isArray(v) ? v.length === 0 : String(v).trim() === '');
  });
}

export function mapChannel(c: ChannelEntity) {
  return {
    id: c.id,
    workspaceId: c.workspaceId,
    name: c.name,
    platform: c.platform,
    handle: c.handle,
    avatarUrl: c.avatarUrl ?? null,
    timezone: c.timezone,
    status: c.status,
    purpose: c.purpose,
    audience: c.audience,
    goal: c.goal,
    kpis: c.kpis,
    guidelines: c.guidelines,
    approvalRequired: c.approvalRequired,
    requireAltText: c.requireAltText,
    rules: c.rules,
    postingSlots: c.postingSlots,
    latenessLimitMinutes: c.latenessLimitMinutes,
    utm: c.utm,
    hasCredentials: c.hasCredentials,
    connection: {
      state: c.connectionState ?? 'unknown',
      checkedAt: c.connectionCheckedAt?.toISOString() ?? null,
      ...(c.connectionState === 'broken' && c.connectionProblem ? { problem: c.connectionProblem } : {}),
    },
    missingStrategy: missingStrategy(c),
    version: c.version,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    archivedAt: c.archivedAt?.toISOString() ?? null,
  };
}

export type ChannelResponse = ReturnType<typeof mapChannel>;
