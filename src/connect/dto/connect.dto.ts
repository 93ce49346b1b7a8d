import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { Optional } from '../../common/validators';

export class MastodonConnectDto {
  @ApiProperty({
    example: 'mastodon.social',
    description: 'The instance (any Mastodon server), with or without https://',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  instanceUrl: string;

  @ApiPropertyOptional({ description: 'Reconnect this Mastodon channel instead of creating one' })
  @Optional()
  @IsUUID()
  channelId?: string;
}

export class BlueskyConnectDto {
  @ApiProperty({ example: 'alice.bsky.social' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(253)
  handle: string;

  @ApiProperty({ description: 'An app password of the account (never returned)', writeOnly: true })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  appPassword: string;

  @ApiPropertyOptional({ description: 'Reconnect this Bluesky channel instead of creating one' })
  @Optional()
  @IsUUID()
  channelId?: string;
}
