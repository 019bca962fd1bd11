import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';

export class PutDatasetDto {
  @ApiProperty({
    description: 'records `[{col: v}]`, columns `{col: [v]}`, or any JSON (stored as json.docs)',
    example: [{ x: 1, y: 'a' }],
  })
  @IsDefined()
  data!: unknown;

  @ApiPropertyOptional({ description: 'column types, pandas names allowed', example: { x: 'int64' } })
  @IsOptional()
  @IsObject()
  dtypes?: Record<string, string>;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  append?: boolean;

  @ApiPropertyOptional({ description: 'force a kind, e.g. json.docs' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,63}$/)
  kind?: string;

  @ApiPropertyOptional({ description: 'absent keeps, {} resets, {k: v} merges' })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;
}

export class StreamUploadQueryDto {
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  append?: boolean;

  @ApiPropertyOptional({ description: 'JSON object of column types', example: '{"x":"float64"}' })
  @IsOptional()
  @Transform(({ value }) => {
    try {
      return typeof value === 'string' ? JSON.parse(value) : value;
    } catch {
      return value;
    }
  })
  @IsObject({ message: 'dtypes must be a JSON object' })
  dtypes?: Record<string, string>;
}

export class QueryDatasetDto {
  @ApiPropertyOptional({ example: { price__gte: 10, region: 'EU' } })
  @IsOptional()
  @IsObject()
  filter?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  columns?: string[];

  @ApiPropertyOptional({ type: [String], example: ['-price'] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  sort?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  skip?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  limit?: number;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  groupby?: string[];

  @ApiPropertyOptional({ example: { price: ['sum', 'mean'], qty: 'max' } })
  @IsOptional()
  @IsObject()
  agg?: Record<string, string | string[]>;
}
