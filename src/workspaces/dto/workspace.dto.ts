import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsFQDN,
  IsHexColor,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsTimeZone, Optional } from '../../common/validators';
import type { CategoryEntity } from '../category.entity';
import type { MemberEntity, Role } from '../member.entity';
import type { WorkspaceEntity } from '../workspace.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class MemberCreateDto {
  @ApiProperty({ example: 'Giulia Rossi' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'giulia@example.com' })
  @Transform(lower)
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiProperty({ enum: ['lead', 'editor', 'viewer'] })
  @IsIn(['lead', 'editor', 'viewer'])
  role: Role;
}

export class LeadDto {
  @ApiProperty({ example: 'Giulia Rossi' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'giulia@example.com' })
  @Transform(lower)
  @IsEmail()
  @MaxLength(320)
  email: string;
}

export class WorkspaceCreateDto {
  @ApiProperty({ example: 'Acme social team' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'Europe/Rome' })
  @IsTimeZone()
  timezone: string;

  @ApiProperty({ type: LeadDto })
  @IsObject()
  @ValidateNested()
  @Type(() => LeadDto)
  lead: LeadDto;
}

export class WorkspaceSettingsDto {
  @ApiPropertyOptional({ example: 3, description: 'Advisory limit of active channels' })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxActiveChannels?: number;

  @ApiPropertyOptional({
    example: ['example.com'],
    description: 'Email domains whose users join on their first single sign-on (with ssoRole)',
  })
  @Optional()
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v)) : value,
  )
  @IsArray()
  @ArrayMaxSize(20)
  @IsFQDN({}, { each: true, message: 'each of ssoDomains must be a domain name such as example.com' })
  ssoDomains?: string[];

  @ApiPropertyOptional({ enum: ['lead', 'editor', 'viewer'], description: 'Role of members joining by domain' })
  @Optional()
  @IsIn(['lead', 'editor', 'viewer'])
  ssoRole?: Role;

  @ApiPropertyOptional({ description: 'Members sign in by single sign-on only (needs OIDC_ISSUER)' })
  @Optional()
  @IsBoolean()
  ssoOnly?: boolean;
}

export class WorkspaceUpdateDto {
  @ApiPropertyOptional()
  @Optional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'Europe/Rome' })
  @Optional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ type: WorkspaceSettingsDto })
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => WorkspaceSettingsDto)
  settings?: WorkspaceSettingsDto;
}

export class CategoryCreateDto {
  @ApiProperty({ example: 'behind_the_scenes', description: 'lower-case letters, digits, _ and -' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_-]{0,39}$/, {
    message: 'key must start with a letter and hold at most 40 lower-case letters, digits, _ or -',
  })
  key: string;

  @ApiProperty({ example: 'Behind the scenes' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ example: '#ff8800' })
  @Optional()
  @IsHexColor()
  color?: string;
}

export function mapWorkspace(w: WorkspaceEntity) {
  return {
    id: w.id,
    name: w.name,
    timezone: w.timezone,
    settings: {
      maxActiveChannels: w.settings.maxActiveChannels,
      ssoDomains: w.settings.ssoDomains ?? [],
      ssoRole: w.settings.ssoRole ?? 'viewer',
      ssoOnly: w.settings.ssoOnly ?? false,
    },
    version: w.version,
    createdAt: w.createdAt.toISOString(),
    updatedAt: w.updatedAt.toISOString(),
  };
}

export function mapMember(m: MemberEntity) {
  return {
    id: m.id,
    workspaceId: m.workspaceId,
    name: m.name,
    email: m.email,
    role: m.role,
    createdAt: m.createdAt.toISOString(),
    revokedAt: m.revokedAt?.toISOString() ?? null,
  };
}

export function mapCategory(c: CategoryEntity) {
  return { key: c.key, name: c.name, color: c.color };
}

export class MemberRoleDto {
  @ApiProperty({ enum: ['lead', 'editor', 'viewer'] })
  @IsIn(['lead', 'editor', 'viewer'])
  role: Role;
}

export class TokenCreateDto {
  @ApiProperty({ example: 'Publishing script', description: 'What the token is for (shown in the list)' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ description: 'Refused on every write (403); default false' })
  @Optional()
  @IsBoolean()
  readOnly?: boolean;
}

export function mapToken(t: {
  id: string;
  name: string;
  workspaceId: string;
  readOnly: boolean;
  lastUsedAt: Date | null;
  createdAt: Date;
}) {
  return {
    id: t.id,
    name: t.name,
    workspaceId: t.workspaceId,
    readOnly: t.readOnly,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
  };
}
