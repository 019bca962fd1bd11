import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { holdsNul, NUL_REFUSED } from '@omega/datasets';
import { Transform, Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ListPageDto } from '../http/answer-docs';

/** Refuses what no store can keep (see holdsNul) as a 400 naming the property. */
function StorableText(): PropertyDecorator {
  return ValidateBy({
    name: 'storableText',
    validator: {
      validate: (value: unknown) => !holdsNul(value),
      defaultMessage: (args) => `${args?.property}: ${NUL_REFUSED}`,
    },
  });
}

/** A reference to a query on an outside SQL database (kind `sql.reference`). */
export class SqlReferenceDto {
  @ApiProperty({
    description:
      'postgresql://, mysql://, mariadb://, mssql:// or sqlite:///path; a password in it is moved into the encrypted secrets, `{name}` placeholders are filled from secrets',
    example: 'postgresql://reports@db.example.com:5432/sales',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  @StorableText()
  url!: string;

  @ApiProperty({
    description: 'the query; `{name}` placeholders are bound (never spliced) to `sqlvars` given when reading',
    example: 'SELECT region, units FROM sales WHERE units >= {min_units}',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  @StorableText()
  query!: string;

  @ApiPropertyOptional({
    description: 'encrypted at rest with OMEGA_SECRET_KEY, never returned; `password` fills the url password',
    example: { password: 's3cret' },
  })
  @IsOptional()
  @IsObject()
  secrets?: Record<string, string>;
}

export class PutDatasetDto {
  @ApiProperty({
    description: 'records `[{col: v}]`, columns `{col: [v]}`, or any JSON (stored as json.docs)',
    example: [{ x: 1, y: 'a' }],
  })
  @ValidateIf((body: PutDatasetDto) => body.sql === undefined)
  @IsDefined({ message: 'data (or sql, for a SQL reference) must be given' })
  data?: unknown;

  @ApiPropertyOptional({ type: SqlReferenceDto, description: 'store a SQL reference instead of data' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SqlReferenceDto)
  sql?: SqlReferenceDto;

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
  @StorableText()
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

  @ApiPropertyOptional({ description: 'the table kind to store: table.rows or table.parquet' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,63}$/)
  kind?: string;
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

  @ApiPropertyOptional({
    description: "values for a SQL reference's `{placeholders}`",
    example: { min_units: 5 },
  })
  @IsOptional()
  @IsObject()
  sqlvars?: Record<string, unknown>;
}

export class CopyDatasetDto {
  @ApiProperty({ description: 'name of the table to write', example: 'sales-copy' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  to!: string;

  @ApiPropertyOptional({
    description: "values for a SQL reference's `{placeholders}`",
    example: { min_units: 5 },
  })
  @IsOptional()
  @IsObject()
  sqlvars?: Record<string, unknown>;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  append?: boolean;
}

export class SqlQueryDto {
  @ApiProperty({
    description:
      'one read-only SELECT; tables are the columnar (table.parquet) datasets of the current bucket',
    example: 'SELECT region, sum(price) AS total FROM sales GROUP BY region ORDER BY region',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(100_000)
  query!: string;

  @ApiPropertyOptional({ description: 'store the answer as this new table.parquet dataset instead' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  into?: string;
}

export class ConvertDatasetDto {
  @ApiProperty({
    description: 'the table kind to turn the dataset into',
    enum: ['table.rows', 'table.parquet'],
  })
  @IsIn(['table.rows', 'table.parquet'])
  kind!: 'table.rows' | 'table.parquet';
}

/** A dataset's Metadata as the API shows it (what a put, copy, convert or `into` answers). */
export class DatasetDto {
  @ApiProperty({ example: 'sales' }) name!: string;
  @ApiProperty({ example: 'table.parquet' }) kind!: string;
  @ApiProperty({ example: 'default' }) bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    description: "the kind's facts: a table's columns and rows; a SQL reference's url (without password)",
    properties: {
      columns: {
        type: 'array',
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, type: { type: 'string', example: 'float64' } },
          required: ['name', 'type'],
        },
      },
      rows: { type: 'integer' },
    },
    additionalProperties: true,
  })
  kindMeta!: Record<string, unknown>;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
}

export class DatasetListDto extends ListPageDto(DatasetDto) {}

const RECORDS_SCHEMA: SchemaObject = {
  title: 'records',
  type: 'array',
  items: { type: 'object', additionalProperties: true },
  description: 'one object per row, `[{column: value}]`',
};
const DICT_SCHEMA: SchemaObject = {
  title: 'dict',
  type: 'object',
  description: "omega-ml's `orient=dict`: `{data: {column: {rowId: value}}, index: {values, type}}`",
  properties: {
    data: {
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: true },
    },
    index: {
      type: 'object',
      properties: {
        values: { type: 'array', items: { type: 'integer' } },
        type: { type: 'string', example: 'Int64Index' },
      },
      required: ['values', 'type'],
    },
  },
  required: ['data', 'index'],
};

/** `GET /dataset/{name}` as JSON: a table by its `orient`, or a json.docs dataset's stored value. */
export const DATASET_READ_JSON: SchemaObject = {
  oneOf: [
    DICT_SCHEMA,
    RECORDS_SCHEMA,
    {
      title: 'json.docs',
      description: 'a json.docs dataset: the JSON value (or list) as it was stored',
      not: { anyOf: [DICT_SCHEMA, RECORDS_SCHEMA] },
    },
  ],
};

/** A query's rows (`records`), or its aggregate groups (also records). */
export const DATASET_QUERY_JSON: SchemaObject = RECORDS_SCHEMA;

/** `POST /dataset/sql` as JSON: the rows, or with `into` the summary of the table it stored. */
export const DATASET_SQL_JSON: SchemaObject = {
  oneOf: [RECORDS_SCHEMA, { $ref: getSchemaPath(DatasetDto) }],
};
