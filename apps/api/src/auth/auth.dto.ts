import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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
