import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { IsWallClock, Optional } from '../common/validators';
import type { ChannelRules, PostingSlot } from '../rules';

export class QuietHoursDto {
  @ApiProperty({ example: '22:00' })
  @IsWallClock()
  start: string;

  @ApiProperty({ example: '07:00' })
  @IsWallClock()
  end: string;
}

export class CadenceDto {
  @ApiPropertyOptional({ example: 3, description: 'Target (minimum) posts per ISO week in the channel zone' })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(500)
  postsPerWeek?: number;

  @ApiPropertyOptional({ example: 72, description: 'Largest allowed gap between two posts' })
  @Optional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(1)
  @Max(24 * 366)
  maxGapHours?: number;

  @ApiPropertyOptional({ example: 2 })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(200)
  maxPostsPerDay?: number;

  @ApiPropertyOptional({ example: 120 })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 60)
  minSpacingMinutes?: number;

  @ApiPropertyOptional({ type: QuietHoursDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto;
}

const CATEGORY_KEY = /^[a-z][a-z0-9_-]{0,39}$/;

function IsMixLimits(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isMixLimits',
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          if (entries.length > 50) return false;
          return entries.every(([key, limit]) => {
            if (!CATEGORY_KEY.test(key) || typeof limit !== 'object' || limit === null || Array.isArray(limit))
              return false;
            const l = limit as Record<string, unknown>;
            const keys = Object.keys(l);
            if (keys.length === 0 || keys.some((k) => k !== 'max' && k !== 'min')) return false;
            const share = (v: unknown) =>
              v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1);
            if (!share(l.max) || !share(l.min)) return false;
            return !(typeof l.max === 'number' && typeof l.min === 'number' && l.min > l.max);
          });
        },
        defaultMessage: () =>
          'limits must map category keys to {max?, min?} shares between 0 and 1 (min not above max), e.g. {"promotional": {"max": 0.2}}',
      },
    },
    options,
  );
}

export class MixDto {
  @ApiProperty({ example: 14 })
  @IsInt()
  @Min(1)
  @Max(366)
  windowDays: number;

  @ApiPropertyOptional({ example: 5, description: 'Windows with fewer posts are not judged' })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(10000)
  minPosts?: number;

  @ApiProperty({ example: { promotional: { max: 0.2 }, informative: { min: 0.5 } } })
  @IsObject()
  @IsMixLimits()
  limits: Record<string, { max?: number; min?: number }>;
}

export class ChannelRulesDto {
  @ApiPropertyOptional({ enum: ['block', 'warn'], default: 'warn' })
  @Optional()
  @IsIn(['block', 'warn'])
  enforcement?: 'block' | 'warn';

  @ApiPropertyOptional({ type: CadenceDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => CadenceDto)
  cadence?: CadenceDto;

  @ApiPropertyOptional({ type: MixDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => MixDto)
  mix?: MixDto;
}

export class PostingSlotDto {
  @ApiProperty({ minimum: 1, maximum: 7, description: 'ISO weekday, Monday = 1' })
  @IsInt()
  @Min(1)
  @Max(7)
  weekday: number;

  @ApiProperty({ example: '09:30', description: 'Wall clock in the channel zone' })
  @IsWallClock()
  time: string;
}

/**
 * Plain JSON of validated rules, without class instances or undefined fields: what a
 * channel stores (docs/api.md "Channels") and the rule engine reads, one type.
 */
export function toRulesConfig(dto: ChannelRulesDto): ChannelRules {
  return JSON.parse(JSON.stringify(dto)) as ChannelRules;
}

export function toSlotsConfig(slots: PostingSlotDto[]): PostingSlot[] {
  const unique = new Map<string, PostingSlot>();
  for (const s of slots) unique.set(`${s.weekday}-${s.time}`, { weekday: s.weekday, time: s.time });
  return [...unique.values()].sort((a, b) => a.weekday - b.weekday || a.time.localeCompare(b.time));
}
