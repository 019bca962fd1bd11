import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TaskQueryDto } from '../http/task-query.dto';
import { Transform } from 'class-transformer';
import { MAX_BATCH_ROWS } from '@omega/models';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

const TAG = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** `POST /api/v1/model/` with JSON: a model created from a spec, fitted later on a worker. */
export class CreateModelDto {
  @ApiProperty({ example: 'iris-forest' })
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'random-forest-classifier', description: 'an algorithm the platform can fit' })
  @IsString()
  @MaxLength(100)
  algorithm!: string;

  @ApiPropertyOptional({ example: { nEstimators: 50, seed: 42 } })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ example: { require: 'default' } })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({ example: ['candidate'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(TAG, { each: true, message: 'each tag: letters, digits, _ . -, starting with a letter' })
  tags?: string[];
}

/** The text fields of a multipart model upload (the file part is the model). */
export class UploadModelFieldsDto {
  @IsString()
  @MaxLength(200)
  name!: string;

  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,63}$/, { message: 'kind must be a kind name such as onnx.model' })
  kind?: string;

  /** JSON object, as a form field. */
  @IsOptional()
  @IsString()
  @MaxLength(64 * 1024)
  attributes?: string;

  /** Comma-separated. */
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  tags?: string;
}

/** The query parameters of a model action the platform itself reads; any others are the action's kwargs. */
export class ModelActionQueryDto extends TaskQueryDto {
  @ApiPropertyOptional({ description: 'dataset holding X' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  datax?: string;

  @ApiPropertyOptional({ description: 'dataset holding Y (fit, partial_fit, score)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  datay?: string;

  @ApiPropertyOptional({ description: 'seconds to wait for a synchronous result' })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(3600)
  timeout?: number;

  @ApiPropertyOptional({
    description:
      'predict: store the predictions as this dataset (a columnar table, written batch by batch) and answer a summary',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  result?: string;

  @ApiPropertyOptional({
    description: `predict: rows per model call (1-${MAX_BATCH_ROWS}); given, the predictions stream back in batches`,
  })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(MAX_BATCH_ROWS)
  batch?: number;

  @ApiPropertyOptional({
    enum: ['json', 'csv', 'arrow', 'parquet'],
    description: 'predict: answer in batches in this format (or by Accept: text/csv, Arrow IPC, Parquet)',
  })
  @IsOptional()
  @IsIn(['json', 'csv', 'arrow', 'parquet'])
  format?: 'json' | 'csv' | 'arrow' | 'parquet';

  @ApiPropertyOptional({
    enum: ['records', 'dict'],
    description: "predict: a batched JSON answer as the dataset GET's records or dict orientation",
  })
  @IsOptional()
  @IsIn(['records', 'dict'])
  orient?: 'records' | 'dict';
}

export const MODEL_ACTION_QUERY_KEYS = new Set([
  'datax',
  'datay',
  'async',
  'require',
  'timeout',
  'result',
  'batch',
  'format',
  'orient',
]);

export class PromoteModelDto {
  @ApiProperty({ example: 'prod', description: 'bucket to copy the model and its versions to' })
  @IsString()
  @MaxLength(63)
  to!: string;
}
