import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RATE_LIMIT_NAMES, RateLimitName, Role, ROLES } from '@omega/accounts';
import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @MaxLength(150)
  userid!: string;

  @ApiProperty()
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({ description: 'tenant to sign in to; the first of the user by name when absent' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_]{0,39}$/, { message: 'tenant must be 1-40 lowercase letters, digits or _' })
  tenant?: string;
}

export class NewApiKeyDto {
  @ApiPropertyOptional({ description: 'a label, e.g. laptop or ci', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Matches(/^[^\p{Cc}]{1,100}$/u, { message: 'name must be 1-100 characters without control characters' })
  name?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  expiresAt?: Date;
}

/** `POST /api/v1/auth/login`: a login token and whom it speaks for. */
export class LoginAnswerDto {
  @ApiProperty({ description: 'for `Authorization: Bearer <token>`' }) token!: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type!: 'Bearer';
  @ApiProperty({ example: 'alice' }) userid!: string;
  @ApiProperty({ example: 'acme' }) tenant!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
}

/** One rate limit of the caller and its use in the current window. */
export class RateLimitUseDto {
  @ApiProperty({ enum: RATE_LIMIT_NAMES }) name!: RateLimitName;
  @ApiProperty({ description: 'requests per window; 0 = no limit' }) limit!: number;
  @ApiProperty() windowSeconds!: number;
  @ApiProperty() used!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'null when there is no limit' })
  remaining!: number | null;
  @ApiProperty({ format: 'date-time' }) resetsAt!: string;
}

/** What a run token is limited to besides its tenant. */
export class RunScopeDto {
  @ApiProperty() bucket!: string;
  @ApiProperty() qualifier!: string;
}

/** `GET /api/v1/auth/me`: who the credentials speak for, with their rate limits and use in this window. */
export class WhoAmIDto {
  @ApiProperty({ format: 'uuid', description: "the user's internal id" }) userId!: string;
  @ApiProperty({ example: 'alice' }) userid!: string;
  @ApiProperty({ example: 'acme' }) tenant!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ enum: ['apikey', 'bearer', 'session'] }) via!: 'apikey' | 'bearer' | 'session';
  @ApiPropertyOptional({ format: 'uuid', description: 'the API key used (`via: apikey`)' }) keyId?: string;
  @ApiPropertyOptional() isPlatformAdmin?: boolean;
  @ApiPropertyOptional({
    type: RunScopeDto,
    description: 'a run token: the one qualifier and bucket it may reach',
  })
  run?: RunScopeDto;
  @ApiProperty({ type: [RateLimitUseDto] }) limits!: RateLimitUseDto[];
}
