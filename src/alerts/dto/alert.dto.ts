import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUrl,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { IsInstant, Nullable, Optional } from '../../common/validators';
import { ALERT_KINDS, type AlertEntity, type AlertKind, SETTLING_KINDS } from '../alert.entity';

export const MAX_LOOKAHEAD_DAYS = 90;

export class AlertListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['open', 'resolved'], description: 'Left out: both' })
  @Optional()
  @IsIn(['open', 'resolved'])
  status?: 'open' | 'resolved';

  @ApiPropertyOptional({ description: 'Only this channel' })
  @Optional()
  @IsUUID()
  channelId?: string;
}

export class AlertWebhookDto {
  @ApiProperty({
    example: 'https://hooks.slack.com/services/T000/B000/XXXX',
    description: 'POSTed a JSON alert with a Slack-compatible `text`',
  })
  @IsString()
  @MaxLength(2000)
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'url must be an http(s) URL' },
  )
  url: string;

  @ApiPropertyOptional({
    nullable: true,
    description:
      'HMAC key of X-Palinsesto-Signature. Write-only: left out keeps the stored secret of this url, null removes it',
  })
  @Nullable()
  @IsString()
  @MinLength(8)
  @MaxLength(200)
  secret?: string | null;
}

const trimLower = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v)) : value;

export class AlertSettingsDto {
  @ApiProperty({
    example: 14,
    minimum: 1,
    maximum: MAX_LOOKAHEAD_DAYS,
    description: 'How far ahead gaps are looked for (rounded up to the end of that week)',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_LOOKAHEAD_DAYS)
  lookaheadDays: number;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description: "Who gets alert emails; left out or null: the workspace's leads",
  })
  @Nullable()
  @Transform(trimLower)
  @IsArray()
  @ArrayMaxSize(50)
  @IsEmail({}, { each: true })
  @MaxLength(320, { each: true })
  emails?: string[] | null;

  @ApiPropertyOptional({ type: [AlertWebhookDto], description: 'Left out: none' })
  @Optional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @IsObject({ each: true })
  @Type(() => AlertWebhookDto)
  webhooks?: AlertWebhookDto[];
}

export class AlertMuteDto {
  @ApiProperty({
    nullable: true,
    example: '2027-02-01T00:00:00+01:00',
    description: 'No alert of the channel is delivered until then; null unmutes',
  })
  @Nullable()
  @IsInstant()
  until: string | null;
}

export interface AlertResponse {
  id: string;
  kind: AlertKind;
  channelId: string;
  from: string;
  to: string;
  openedAt: string;
  resolvedAt: string | null;
  message: string;
  /**
   * `settling`: an open planned gap not delivered yet; it is delivered at `settlesAt` (or at
   * the first gap scan after it) if it is still open then, and never if it is filled first.
   * `delivered`: its deliveries were queued (to whoever was not muted). Resolved alerts have
   * `delivered` when they were queued, else `withheld` (filled before settling).
   */
  delivery: 'settling' | 'delivered' | 'withheld';
  settlesAt: string | null;
}

/** `settleMs`: ALERT_SETTLE_MS. */
export function mapAlert(a: AlertEntity, settleMs: number): AlertResponse {
  const planned = SETTLING_KINDS.includes(a.kind);
  const announced = !planned || a.announcedOccurrence === a.occurrence;
  const delivery = announced ? 'delivered' : a.resolvedAt ? 'withheld' : 'settling';
  return {
    id: a.id,
    kind: a.kind,
    channelId: a.channelId,
    from: a.startsAt.toISOString(),
    to: a.endsAt.toISOString(),
    openedAt: a.openedAt.toISOString(),
    resolvedAt: a.resolvedAt?.toISOString() ?? null,
    message: a.message,
    delivery,
    settlesAt: planned ? new Date(a.openedAt.getTime() + settleMs).toISOString() : null,
  };
}

export { ALERT_KINDS };
