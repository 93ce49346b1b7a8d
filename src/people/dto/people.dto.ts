import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsObject, IsString, MaxLength, MinLength, ValidateNested } from 'class-validator';
import type { Role } from '../../auth/actor';
import { IsTimeZone, Optional } from '../../common/validators';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/** NIST SP 800-63B: at least 8 characters (here 10), long passphrases welcome, no composition rules. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

class NewPassword {
  @ApiProperty({ minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX })
  @IsString()
  @MinLength(PASSWORD_MIN, { message: `password must have at least ${PASSWORD_MIN} characters` })
  @MaxLength(PASSWORD_MAX)
  password: string;
}

export class SignUpWorkspaceDto {
  @ApiProperty({ example: 'Acme social team' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'Europe/Rome' })
  @IsTimeZone()
  timezone: string;
}

export class SignUpDto extends NewPassword {
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

  @ApiProperty({ type: SignUpWorkspaceDto })
  @IsObject()
  @ValidateNested()
  @Type(() => SignUpWorkspaceDto)
  workspace: SignUpWorkspaceDto;
}

export class SignInDto {
  @ApiProperty({ example: 'giulia@example.com' })
  @Transform(lower)
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX)
  password: string;
}

export class EmailDto {
  @ApiProperty({ example: 'giulia@example.com' })
  @Transform(lower)
  @IsEmail()
  @MaxLength(320)
  email: string;
}

export class LinkTokenDto {
  @ApiProperty({ description: 'The token of the emailed link' })
  @IsString()
  @MaxLength(100)
  token: string;
}

export class PasswordResetDto extends NewPassword {
  @ApiProperty({ description: 'The token of the emailed link' })
  @IsString()
  @MaxLength(100)
  token: string;
}

export class InvitationCreateDto {
  @ApiProperty({ example: 'marco@example.com' })
  @Transform(lower)
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiProperty({ enum: ['lead', 'editor', 'viewer'] })
  @IsIn(['lead', 'editor', 'viewer'])
  role: Role;
}

export class InvitationAcceptDto {
  @ApiPropertyOptional({ example: 'Marco Bianchi', description: 'Needed unless signed in' })
  @Optional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: "A new password, or the existing account's; needed unless signed in" })
  @Optional()
  @IsString()
  @MinLength(PASSWORD_MIN, { message: `password must have at least ${PASSWORD_MIN} characters` })
  @MaxLength(PASSWORD_MAX)
  password?: string;
}
