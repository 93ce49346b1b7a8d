import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Nullable, Optional } from '../../common/validators';
import { DEFAULT_WINDOW_FUTURE_DAYS, DEFAULT_WINDOW_PAST_DAYS, type FeedEntity } from '../feed.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export const MAX_WINDOW_PAST_DAYS = 730;
export const MAX_WINDOW_FUTURE_DAYS = 1095;

export class FeedWindowDto {
  @ApiProperty({
    example: DEFAULT_WINDOW_PAST_DAYS,
    minimum: 0,
    maximum: MAX_WINDOW_PAST_DAYS,
    description: 'Days before today',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_WINDOW_PAST_DAYS)
  past: number;

  @ApiProperty({
    example: DEFAULT_WINDOW_FUTURE_DAYS,
    minimum: 1,
    maximum: MAX_WINDOW_FUTURE_DAYS,
    description: 'Days after today',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_WINDOW_FUTURE_DAYS)
  future: number;
}

export class FeedCreateDto {
  @ApiProperty({ example: 'Social plan for sales' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Channels to show; left out: every active channel of the workspace, including channels added later',
  })
  @Optional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  channelIds?: string[];

  @ApiPropertyOptional({
    default: false,
    description: 'Also show drafts, posts in review and approved posts (TENTATIVE)',
  })
  @Optional()
  @IsBoolean()
  includeDrafts?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Also show planned gaps as free-time events' })
  @Optional()
  @IsBoolean()
  includeGaps?: boolean;

  @ApiPropertyOptional({
    type: FeedWindowDto,
    description: `Default {past: ${DEFAULT_WINDOW_PAST_DAYS}, future: ${DEFAULT_WINDOW_FUTURE_DAYS}}`,
  })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => FeedWindowDto)
  windowDays?: FeedWindowDto;
}

/** PATCH: a part of the window; the other part stays as it is. */
export class FeedWindowPatchDto {
  @ApiPropertyOptional({ minimum: 0, maximum: MAX_WINDOW_PAST_DAYS, description: 'Days before today' })
  @Optional()
  @IsInt()
  @Min(0)
  @Max(MAX_WINDOW_PAST_DAYS)
  past?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_WINDOW_FUTURE_DAYS, description: 'Days after today' })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(MAX_WINDOW_FUTURE_DAYS)
  future?: number;
}

/** PATCH of a feed: every field optional; the subscription url stays the same. */
export class FeedUpdateDto {
  @ApiPropertyOptional({ example: 'Social plan for sales' })
  @Optional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description: 'Channels to show; null: every active channel of the workspace, including channels added later',
  })
  @Nullable()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  channelIds?: string[] | null;

  @ApiPropertyOptional({ description: 'Also show drafts, posts in review and approved posts (TENTATIVE)' })
  @Optional()
  @IsBoolean()
  includeDrafts?: boolean;

  @ApiPropertyOptional({ description: 'Also show planned gaps as free-time events' })
  @Optional()
  @IsBoolean()
  includeGaps?: boolean;

  @ApiPropertyOptional({ type: FeedWindowPatchDto, description: 'Either or both of past and future' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => FeedWindowPatchDto)
  windowDays?: FeedWindowPatchDto;
}

export function mapFeed(f: FeedEntity) {
  return {
    id: f.id,
    workspaceId: f.workspaceId,
    name: f.name,
    channelIds: f.channelIds,
    includeDrafts: f.includeDrafts,
    includeGaps: f.includeGaps,
    windowDays: { past: f.windowPastDays, future: f.windowFutureDays },
    version: f.version,
    createdAt: f.createdAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
    tokenRotatedAt: f.tokenRotatedAt?.toISOString() ?? null,
  };
}

export type FeedResponse = ReturnType<typeof mapFeed>;
/** Only at creation and rotation: the subscription URL holds the secret token. */
export type FeedWithUrl = FeedResponse & { url: string };
