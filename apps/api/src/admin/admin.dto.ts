import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, Role } from '@omega/accounts';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

const TENANT = /^[a-z0-9][a-z0-9_]{0,39}$/;
const TENANT_MESSAGE = 'tenant must be 1-40 lowercase letters, digits or _, starting with a letter or digit';
const USERID = /^[A-Za-z0-9][A-Za-z0-9.@+_-]{0,149}$/;
const USERID_MESSAGE = 'userid must be 1-150 letters, digits or . @ + - _, starting with a letter or digit';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class NewTenantDto {
  @ApiProperty({ example: 'acme' })
  @Matches(TENANT, { message: TENANT_MESSAGE })
  name!: string;
}

export class NewUserDto {
  @ApiProperty({ example: 'alice' })
  @Matches(USERID, { message: USERID_MESSAGE })
  userid!: string;

  @ApiPropertyOptional({ description: 'at least 12 characters; without one the user has API keys only' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  password?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'make the user a member of this tenant' })
  @IsOptional()
  @Matches(TENANT, { message: TENANT_MESSAGE })
  tenant?: string;

  @ApiPropertyOptional({ enum: ROLES, default: 'member' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  isPlatformAdmin?: boolean;
}

export class MembershipDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;
}

export class KeyQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(USERID, { message: USERID_MESSAGE })
  userid?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(TENANT, { message: TENANT_MESSAGE })
  tenant?: string;
}

export class NewKeyDto {
  @ApiProperty()
  @Matches(USERID, { message: USERID_MESSAGE })
  userid!: string;

  @ApiProperty()
  @Matches(TENANT, { message: TENANT_MESSAGE })
  tenant!: string;

  @ApiPropertyOptional({ maxLength: 100 })
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

export class AuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(TENANT, { message: TENANT_MESSAGE })
  tenant?: string;

  @ApiPropertyOptional({ description: 'userid of the actor, or `system`' })
  @IsOptional()
  @IsString()
  @MaxLength(150)
  actor?: string;

  @ApiPropertyOptional({ example: 'apikey.create' })
  @IsOptional()
  @Matches(/^[a-z][a-z_]*(\.[a-z_]+)*$/, { message: 'action must look like apikey.create' })
  @MaxLength(64)
  action?: string;
}

/** A key's own rate limits, requests per window (0 = no limit, null = back to the role's or the default). */
export class KeyRateLimitsDto {
  @ApiPropertyOptional({ type: Number, nullable: true, description: 'every request' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  api?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'dataset and file uploads (PUT)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  uploads?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'API keys made' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000_000)
  keys?: number | null;
}

/** A tenant as the admin API answers it. */
export class TenantDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'acme' }) name!: string;
  @ApiProperty() created!: Date;
  @ApiProperty({ description: 'its keys and logins are refused; its data stays' }) disabled!: boolean;
}

/** A user as the admin API answers it: never with a password or its hash. */
export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'alice' }) userid!: string;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
  @ApiProperty() created!: Date;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ description: 'may administer every tenant' }) isPlatformAdmin!: boolean;
}

/** One tenant a user belongs to, and their role there. */
export class UserMembershipDto {
  @ApiProperty({ example: 'alice' }) userid!: string;
  @ApiProperty({ example: 'acme' }) tenant!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty() created!: Date;
}

/** A user with the tenants they belong to. */
export class UserAccountDto extends UserDto {
  @ApiProperty({ type: [UserMembershipDto] }) memberships!: UserMembershipDto[];
}

/** A key's own rate limits, requests per window (0 = no limit); an absent one is its role's or the default. */
export class ApiKeyRateLimitsDto {
  @ApiPropertyOptional({ description: 'every request' }) api?: number;
  @ApiPropertyOptional({ description: 'dataset and file uploads (PUT)' }) uploads?: number;
  @ApiPropertyOptional({ description: 'API keys made' }) keys?: number;
}

/** An API key as listings show it: its prefix, never the key or its hash. */
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'alice' }) userid!: string;
  @ApiProperty({ example: 'acme' }) tenant!: string;
  @ApiProperty({ example: 'laptop' }) name!: string;
  @ApiProperty({ description: 'the first characters of the key, to tell keys apart' }) keyPrefix!: string;
  @ApiProperty() created!: Date;
  @ApiProperty({ type: Date, nullable: true }) expiresAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) revokedAt!: Date | null;
  @ApiProperty({ type: Date, nullable: true, description: 'to the minute' }) lastUsedAt!: Date | null;
  @ApiProperty({ type: ApiKeyRateLimitsDto }) rateLimits!: ApiKeyRateLimitsDto;
}

/** A new API key: its record, and the key itself, which is in this answer only. */
export class CreatedApiKeyDto {
  @ApiProperty({ type: ApiKeyDto }) key!: ApiKeyDto;
  @ApiProperty({ description: 'the key: shown this once, never again' }) apikey!: string;
}

/** One event of the audit trail. */
export class AuditEventDto {
  @ApiProperty({ description: 'time-ordered' }) id!: string;
  @ApiProperty() at!: Date;
  @ApiProperty({ description: 'userid of the actor, or `system`' }) actor!: string;
  @ApiProperty({ type: String, nullable: true }) tenant!: string | null;
  @ApiProperty({ example: 'apikey.create' }) action!: string;
  @ApiProperty({ type: String, nullable: true }) object!: string | null;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome!: 'success' | 'failure';
  @ApiProperty({ type: String, nullable: true, description: "the caller's address" }) remote!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  details!: Record<string, unknown> | null;
}
