import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsString,
  IsUrl,
  IsUUID,
  Matches,
  ValidateIf,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsInstant, IsQueryInstant, Optional, Nullable } from '../../common/validators';
import type { PostRow } from '../post.entity';
import { POST_STATUSES } from '../post-state.machine';

const URL_OPTIONS = { require_protocol: true, protocols: ['http', 'https'], require_tld: false };

/** Most media items a post carries (a platform may take fewer: Mastodon and Bluesky 4). */
export const POST_MEDIA_MAX = 10;

/**
 * One media item of a post: `{id, alt?}`, an item of the workspace's media library (its
 * `alt` overrides the library's alt text for this post); or, on webhook (and mock) channels
 * only, `{url, alt?}`, a URL the receiver fetches itself.
 */
export class MediaDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'A media library item (POST /v1/workspaces/{wid}/media)' })
  @ValidateIf((o: MediaDto) => o.url === undefined)
  @IsUUID(undefined, { message: 'each of media must be {id, alt?}: id is the uuid of a media library item' })
  id?: string;

  @ApiPropertyOptional({ example: 'https://cdn.example.com/photo.jpg', description: 'Webhook channels only' })
  @ValidateIf((o: MediaDto) => o.url !== undefined)
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ description: "Alt text for this post (default: the library item's)" })
  @Optional()
  @IsString()
  @MaxLength(1500)
  alt?: string;
}

const CATEGORY = /^[a-z][a-z0-9_-]{0,39}$/;

export class PostCreateDto {
  @ApiProperty({ example: 'Our spring collection is here.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  body: string;

  @ApiProperty({ example: 'informative', description: 'Key of a category of the workspace' })
  @IsString()
  @Matches(CATEGORY, { message: 'category must be a category key such as informative' })
  category: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @MaxLength(300)
  title?: string;

  @ApiPropertyOptional({ example: 'https://example.com/spring' })
  @Optional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  link?: string;

  @ApiPropertyOptional({ type: [MediaDto], maxItems: POST_MEDIA_MAX, description: 'In order' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(POST_MEDIA_MAX)
  @IsObject({ each: true, message: 'each of media must be an object {id, alt?}' })
  @ValidateNested({ each: true })
  @Type(() => MediaDto)
  media?: MediaDto[];

  @ApiPropertyOptional({ example: '2027-03-29T09:00:00+02:00' })
  @Optional()
  @IsInstant()
  scheduledAt?: string;
}

export class PostUpdateDto {
  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  body?: string;

  @ApiPropertyOptional()
  @Optional()
  @IsString()
  @Matches(CATEGORY, { message: 'category must be a category key such as informative' })
  category?: string;

  @ApiPropertyOptional({ nullable: true })
  @Nullable()
  @IsString()
  @MaxLength(300)
  title?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Nullable()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2048)
  link?: string | null;

  @ApiPropertyOptional({ type: [MediaDto], maxItems: POST_MEDIA_MAX, description: 'In order' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(POST_MEDIA_MAX)
  @IsObject({ each: true, message: 'each of media must be an object {id, alt?}' })
  @ValidateNested({ each: true })
  @Type(() => MediaDto)
  media?: MediaDto[];

  @ApiPropertyOptional({ nullable: true, description: 'Moving a scheduled post reschedules it (rules run)' })
  @Nullable()
  @IsInstant()
  scheduledAt?: string | null;
}

export class OverrideDto {
  @ApiProperty({ example: 'Launch day: two posts are intended' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason: string;
}

export class PostScheduleDto {
  @ApiPropertyOptional({ description: 'Defaults to the post scheduledAt' })
  @Optional()
  @IsInstant()
  scheduledAt?: string;

  @ApiPropertyOptional({ type: OverrideDto, description: 'Lead only: schedule despite block rules' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => OverrideDto)
  override?: OverrideDto;
}

export class PostActionDto {
  @ApiPropertyOptional({ description: 'A note kept in the audit trail' })
  @Optional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value;

export class PostListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'One status or a comma-separated list', example: 'scheduled,published' })
  @Optional()
  @Transform(splitList)
  @IsArray()
  @ArrayMaxSize(8)
  @Matches(new RegExp(`^(${POST_STATUSES.join('|')})$`), {
    each: true,
    message: `status must be among ${POST_STATUSES.join(', ')}`,
  })
  status?: string[];

  @ApiPropertyOptional({ description: 'scheduledAt >= from' })
  @Optional()
  @IsQueryInstant()
  from?: string;

  @ApiPropertyOptional({ description: 'scheduledAt < to' })
  @Optional()
  @IsQueryInstant()
  to?: string;
}

export function mapPost(p: PostRow) {
  return {
    id: p.id,
    workspaceId: p.workspaceId,
    channelId: p.channelId,
    status: p.status,
    body: p.body,
    title: p.title,
    link: p.link,
    media: p.media,
    category: p.category,
    scheduledAt: p.scheduledAt?.toISOString() ?? null,
    publishedAt: p.publishedAt?.toISOString() ?? null,
    externalId: p.externalId,
    externalUrl: p.externalUrl,
    lastError: p.lastError,
    failureReason: p.failureReason,
    attempts: p.attempts,
    sequence: p.sequence,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export type PostResponse = ReturnType<typeof mapPost>;

export class PostValidateDto {
  @ApiProperty({ example: '2027-03-29T09:00:00+02:00' })
  @IsInstant()
  scheduledAt: string;

  @ApiProperty({ example: 'promotional' })
  @IsString()
  @Matches(CATEGORY, { message: 'category must be a category key such as informative' })
  category: string;

  @ApiPropertyOptional({ description: 'A post being moved: its current place is left out' })
  @Optional()
  @IsUUID()
  postId?: string;
}

export class NextSlotQueryDto {
  @ApiProperty({ example: 'informative' })
  @IsString()
  @Matches(CATEGORY, { message: 'category must be a category key such as informative' })
  category: string;

  @ApiPropertyOptional({ description: 'Default: now' })
  @Optional()
  @IsQueryInstant()
  after?: string;

  @ApiPropertyOptional({
    enum: ['engagement'],
    description:
      "engagement: among the coming week's times that break no rule, the one whose weekday and hour performed best in the channel's history (default: the earliest)",
  })
  @Optional()
  @IsIn(['engagement'])
  prefer?: 'engagement';
}

export class PostQueueDto {
  @ApiPropertyOptional({ description: 'Queue after this time instead of now' })
  @Optional()
  @IsInstant()
  after?: string;
}
