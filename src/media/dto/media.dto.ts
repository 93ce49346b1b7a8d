import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNumber, IsObject, IsString, IsUrl, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Optional } from '../../common/validators';
import type { MediaEntity } from '../media.entity';
import type { MediaItem } from '../media.types';

export const ALT_MAX_LENGTH = 1500;

export class MediaFocusDto {
  @ApiProperty({ minimum: -1, maximum: 1, example: 0, description: '-1 left edge, 1 right edge' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1)
  @Max(1)
  x: number;

  @ApiProperty({ minimum: -1, maximum: 1, example: 0.5, description: '-1 bottom edge, 1 top edge (Mastodon)' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-1)
  @Max(1)
  y: number;
}

export class MediaUpdateDto {
  @ApiPropertyOptional({ description: "Alt text: describes the image for people who can't see it", maxLength: 1500 })
  @Optional()
  @IsString()
  @MaxLength(ALT_MAX_LENGTH)
  alt?: string;

  @ApiPropertyOptional({ type: MediaFocusDto, description: 'Focus point for crops (Mastodon convention)' })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => MediaFocusDto)
  focus?: MediaFocusDto;
}

export class MediaImportDto {
  @ApiProperty({ example: 'https://cdn.example.com/photo.jpg', description: 'Fetched by the server (egress guard)' })
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'], require_tld: false })
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({ maxLength: 1500 })
  @Optional()
  @IsString()
  @MaxLength(ALT_MAX_LENGTH)
  alt?: string;
}

/** Multipart upload body (documentation only: the controller streams it). */
export class MediaUploadDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'JPEG, PNG, WebP, GIF or MP4 (H.264)' })
  file: unknown;

  @ApiPropertyOptional({ maxLength: 1500 })
  alt?: string;
}

export function toMediaItem(x: MediaEntity): MediaItem {
  return {
    id: x.id,
    workspaceId: x.workspaceId,
    kind: x.kind,
    mimeType: x.mimeType,
    bytes: x.bytes,
    width: x.width,
    height: x.height,
    durationMs: x.durationMs,
    codec: x.codec,
    alt: x.alt,
    focus: { x: x.focusX, y: x.focusY },
    sha256: x.sha256,
    createdAt: x.createdAt,
  };
}

/** The API form of an item: the file and thumbnail at paths of this API (api key needed). */
export function mapMedia(x: MediaEntity) {
  return {
    id: x.id,
    workspaceId: x.workspaceId,
    kind: x.kind,
    mimeType: x.mimeType,
    bytes: x.bytes,
    ...(x.width !== null ? { width: x.width } : {}),
    ...(x.height !== null ? { height: x.height } : {}),
    ...(x.durationMs !== null ? { durationMs: x.durationMs } : {}),
    ...(x.codec !== null ? { codec: x.codec } : {}),
    alt: x.alt,
    focus: { x: x.focusX, y: x.focusY },
    sha256: x.sha256,
    url: `/v1/media/${x.id}/file`,
    thumbnailUrl: x.thumbnailKey ? `/v1/media/${x.id}/thumbnail` : null,
    createdAt: x.createdAt.toISOString(),
    updatedAt: x.updatedAt.toISOString(),
  };
}

export type MediaResponse = ReturnType<typeof mapMedia>;
