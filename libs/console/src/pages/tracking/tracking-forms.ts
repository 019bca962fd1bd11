import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { BucketQuery } from '../../http/console-forms';

/** An empty form field means "not given". */
const EmptyIsAbsent = () => Transform(({ value }) => (value === '' ? undefined : value));

/** A search over experiment names, and the page of the listing. */
export class ExperimentListQuery extends BucketQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @Transform(({ value }) => (value === '' || value === undefined ? undefined : Number(value)))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  skip?: number;
}

/**
 * Which metric the charts plot, and which runs (checkboxes of the comparison form: `runs=1&runs=3`, or a
 * chart link's `runs=1,3`).
 */
export class ExperimentChartQuery extends BucketQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  metric?: string;

  @Transform(({ value }) => {
    if (value === undefined || value === '') return undefined;
    const list = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
    return list.filter((v) => v !== '').map((v) => (/^\d{1,9}$/.test(v) ? Number(v) : v));
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsInt({ each: true, message: 'runs must be run numbers' })
  @Min(1, { each: true })
  runs?: number[];
}

/** The feature whose distributions the monitoring page shows. */
export class MonitorQuery extends BucketQuery {
  @EmptyIsAbsent()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  feature?: string;
}

/** `<chart>.<format>` of a chart download. */
export const CHART_FILE = /^([a-z]+)\.(svg|png|csv)$/;
