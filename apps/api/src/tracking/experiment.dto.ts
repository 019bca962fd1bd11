import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  END_STATUSES,
  LOGGED_NAME,
  MAX_COMPARED_RUNS,
  MAX_EVENTS_PER_CALL,
  MAX_POINTS_PER_CALL,
} from '@omega/tracking';
import { ListQueryDto } from '../http/list-query.dto';

const LOGGED_NAME_MESSAGE =
  'names are 1-128 letters, digits or _ . : / -, starting with a letter, digit or _';
const FINITE = { allowNaN: false, allowInfinity: false };

export class CreateExperimentDto {
  @ApiProperty({ example: 'churn-training' })
  @IsString()
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({ example: 'gradient boosting vs forests' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ example: { team: 'risk' } })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'answer the existing experiment (200) instead of 409 when the name exists',
  })
  @IsOptional()
  @IsBoolean()
  exist_ok?: boolean;
}

export class StartRunDto {
  @ApiPropertyOptional({ example: { branch: 'main' }, description: 'tag names: letters, digits, _ and -' })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;
}

export class EndRunDto {
  @ApiPropertyOptional({ enum: END_STATUSES, default: 'completed' })
  @IsOptional()
  @IsIn(END_STATUSES)
  status?: (typeof END_STATUSES)[number];
}

export class MetricPointDto {
  @ApiProperty({ example: 'loss' })
  @Matches(LOGGED_NAME, { message: LOGGED_NAME_MESSAGE })
  key!: string;

  @ApiProperty({ example: 0.25 })
  @IsNumber(FINITE)
  value!: number;

  @ApiPropertyOptional({
    example: 10,
    description: 'the step (epoch, iteration); its position in the batch if absent',
  })
  @IsOptional()
  @IsNumber(FINITE)
  step?: number;

  @ApiPropertyOptional({ description: 'epoch milliseconds; the time of the call if absent' })
  @IsOptional()
  @IsNumber(FINITE)
  time?: number;
}

/** Many points of one metric as columns: the compact form for large batches. */
export class MetricSeriesDto {
  @ApiProperty({ example: 'loss' })
  @Matches(LOGGED_NAME, { message: LOGGED_NAME_MESSAGE })
  key!: string;

  @ApiProperty({ type: [Number], example: [0.9, 0.5, 0.3] })
  @IsArray()
  @ArrayMaxSize(MAX_POINTS_PER_CALL)
  @IsNumber(FINITE, { each: true })
  values!: number[];

  @ApiPropertyOptional({ type: [Number], description: 'one per value; 0, 1, 2, … if absent' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_POINTS_PER_CALL)
  @IsNumber(FINITE, { each: true })
  steps?: number[];

  @ApiPropertyOptional({ type: [Number], description: 'epoch milliseconds, one per value' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_POINTS_PER_CALL)
  @IsNumber(FINITE, { each: true })
  times?: number[];
}

export class ArtifactDto {
  @ApiProperty({ example: 'training-data' })
  @Matches(LOGGED_NAME, { message: LOGGED_NAME_MESSAGE })
  name!: string;

  @ApiProperty({ enum: ['dataset', 'file', 'model', 'json'] })
  @IsIn(['dataset', 'file', 'model', 'json'])
  type!: 'dataset' | 'file' | 'model' | 'json';

  @ApiPropertyOptional({
    example: 'sales/2024',
    description: 'the linked object (dataset, file, model[@version])',
  })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  ref?: string;

  @ApiPropertyOptional({ description: 'an inline JSON value (type json), at most 64 KiB' })
  @IsOptional()
  @Allow()
  value?: unknown;
}

export class LogRunDto {
  @ApiPropertyOptional({
    example: { max_depth: 6, criterion: 'gini' },
    description: 'name: string | number | boolean | null',
  })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [MetricPointDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_POINTS_PER_CALL)
  @ValidateNested({ each: true })
  @Type(() => MetricPointDto)
  metrics?: MetricPointDto[];

  @ApiPropertyOptional({ type: [MetricSeriesDto], description: 'points as columns, one entry per metric' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => MetricSeriesDto)
  series?: MetricSeriesDto[];

  @ApiPropertyOptional({ type: [ArtifactDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EVENTS_PER_CALL)
  @ValidateNested({ each: true })
  @Type(() => ArtifactDto)
  artifacts?: ArtifactDto[];

  @ApiPropertyOptional({ example: { stage: 'tuning' } })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;
}

/** Paging of a run list: the `offset` and `limit` of every list. */
export class RunsQueryDto extends PickType(ListQueryDto, ['offset', 'limit'] as const) {}

const commaNumbers = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value.split(',').map((item) => (item.trim() === '' ? NaN : Number(item)))
    : value;

export class CompareQueryDto {
  @ApiProperty({ example: '1,2', description: `2 to ${MAX_COMPARED_RUNS} run numbers, comma-separated` })
  @Transform(commaNumbers)
  @IsArray()
  @ArrayMinSize(2)
  @ArrayMaxSize(MAX_COMPARED_RUNS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  runs!: number[];
}

export class SeriesQueryDto {
  @ApiProperty({ example: '1,2', description: `1 to 20 run numbers, comma-separated` })
  @Transform(commaNumbers)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  runs!: number[];
}

// ---- answers ----

export class ExperimentDto {
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'experiment.tracker' }) kind!: string;
  @ApiProperty() bucket!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
}

class ListMetaDto {
  @ApiProperty() limit!: number;
  @ApiProperty() offset!: number;
  @ApiProperty() total_count!: number;
}

export class ExperimentListDto {
  @ApiProperty({ type: [ExperimentDto] }) objects!: ExperimentDto[];
  @ApiProperty({ type: ListMetaDto }) meta!: ListMetaDto;
}

export class MetricSummaryDto {
  @ApiProperty() count!: number;
  @ApiProperty({ nullable: true, type: Number }) last!: number | null;
  @ApiProperty({ nullable: true, type: Number }) lastStep!: number | null;
  @ApiProperty({ nullable: true, type: Number }) min!: number | null;
  @ApiProperty({ nullable: true, type: Number }) max!: number | null;
}

export class RunStateDto {
  @ApiProperty({ example: 1 }) run!: number;
  @ApiProperty({ enum: ['running', 'completed', 'failed', 'killed'] }) status!: string;
  @ApiProperty({ description: 'who started the run' }) user!: string;
  @ApiProperty() start!: Date;
  @ApiProperty({ nullable: true, type: Date }) end!: Date | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) tags!: Record<string, string>;
}

export class RunDto extends RunStateDto {
  @ApiProperty({ type: 'object', additionalProperties: true }) params!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/MetricSummaryDto' } })
  metrics!: Record<string, MetricSummaryDto>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'name → {type, ref} or {type: json, value}',
  })
  artifacts!: Record<string, unknown>;
}

export class RunListDto {
  @ApiProperty() experiment!: string;
  @ApiProperty({ type: [RunDto] }) runs!: RunDto[];
  @ApiProperty({ type: ListMetaDto }) meta!: ListMetaDto;
}

export class LoggedDto {
  @ApiProperty() run!: number;
  @ApiProperty({ description: 'values logged by this call' }) logged!: number;
  @ApiProperty() metrics!: number;
  @ApiProperty({ description: 'params, tags and artifacts' }) events!: number;
}

class ComparedParamDto {
  @ApiProperty() key!: string;
  @ApiProperty({ type: 'array', items: {}, description: 'one per run, in the order of runs' })
  values!: unknown[];
  @ApiProperty() differs!: boolean;
}

class ComparedMetricDto {
  @ApiProperty() key!: string;
  @ApiProperty({ type: 'array', items: { type: 'number', nullable: true } }) last!: (number | null)[];
}

export class CompareDto {
  @ApiProperty({ type: [RunDto] }) runs!: RunDto[];
  @ApiProperty({ type: [ComparedParamDto] }) params!: ComparedParamDto[];
  @ApiProperty({ type: [ComparedMetricDto] }) metrics!: ComparedMetricDto[];
}

class SeriesPointDto {
  @ApiProperty() step!: number;
  @ApiProperty() value!: number;
  @ApiProperty({ description: 'epoch milliseconds' }) time!: number;
}

class RunSeriesDto {
  @ApiProperty() run!: number;
  @ApiProperty({ type: [SeriesPointDto] }) points!: SeriesPointDto[];
}

export class SeriesDto {
  @ApiProperty() key!: string;
  @ApiProperty({ type: [RunSeriesDto] }) runs!: RunSeriesDto[];
}

/** One row of an experiment's data (`GET /experiment/{name}/data`); `columns` may answer fewer fields. */
export class ExperimentDataRowDto {
  @ApiPropertyOptional({ example: 2 }) run?: number;
  @ApiPropertyOptional({ example: 'metric', description: 'start, end, param, tag, artifact, metric, …' })
  event?: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'loss' }) key?: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true, example: 0.25 }) value?: number | null;
  @ApiPropertyOptional({ type: String, nullable: true }) text?: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true, example: 10 }) step?: number | null;
  @ApiPropertyOptional({ type: Date, nullable: true }) dt?: Date | null;
  @ApiPropertyOptional({ type: String, nullable: true }) user?: string | null;
}
