import { ApiProperty } from '@nestjs/swagger';

// The answer of GET /v1/channels/{cid}/limits, described for /docs (the service answers
// PlatformLimits of src/content/content-limits.ts as it is).

export class TextLimitsDto {
  @ApiProperty({ example: 500 })
  maxCharacters!: number;

  @ApiProperty({
    enum: ['characters', 'graphemes'],
    description: "`characters`: Mastodon's count (each link weighs `urlWeight`); `graphemes`: Bluesky's",
  })
  unit!: 'characters' | 'graphemes';

  @ApiProperty({ example: 23 })
  urlWeight!: number;
}

export class MediaLimitsDto {
  @ApiProperty({ example: 4, description: 'Most attachments of any kind' })
  maxItems!: number;

  @ApiProperty({ example: 4 })
  maxImages!: number;

  @ApiProperty({ example: 1 })
  maxVideos!: number;

  @ApiProperty({ description: 'Whether images and a video may go on one post' })
  mixImagesAndVideo!: boolean;

  @ApiProperty({ type: [String], nullable: true, description: 'null: any image type' })
  imageMimeTypes!: string[] | null;

  @ApiProperty({ type: [String], nullable: true, description: 'null: any video type' })
  videoMimeTypes!: string[] | null;

  @ApiProperty({ type: Number, nullable: true, description: 'null: larger images are re-encoded to fit' })
  imageMaxBytes!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  videoMaxBytes!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  videoMaxDurationMs!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Longest alt text, in grapheme clusters' })
  altMaxLength!: number | null;
}

export class PlatformLimitsDto {
  @ApiProperty({ enum: ['mock', 'webhook', 'mastodon', 'bluesky'] })
  platform!: string;

  @ApiProperty({ example: 'Mastodon (social.example)', description: 'The name used in messages' })
  name!: string;

  @ApiProperty({
    enum: ['instance', 'default'],
    description: "`instance`: asked of the server itself (cached); `default`: the platform's stock numbers",
  })
  source!: 'instance' | 'default';

  @ApiProperty({ type: TextLimitsDto, nullable: true, description: 'null: no text limit' })
  text!: TextLimitsDto | null;

  @ApiProperty({ type: MediaLimitsDto, nullable: true, description: 'null: no media limit' })
  media!: MediaLimitsDto | null;
}
