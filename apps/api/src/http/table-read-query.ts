import { applyDecorators, PipeTransform, Query } from '@nestjs/common';
import { ApiHideProperty, ApiPropertyOptional, ApiQuery, ApiQueryOptions, DECORATORS } from '@nestjs/swagger';
import { OmegaError } from '@omega/core';
import { assertColumnName, FILTER_OPS, RESERVED_PARAMS, TableFormat } from '@omega/datasets';
import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Min, validate, ValidationError } from 'class-validator';

const FORMATS: TableFormat[] = ['json', 'csv', 'arrow', 'parquet'];

/** `skip=` and `limit=`: a number, or nothing when empty (as the readers take an empty value). */
const toCount = ({ value }: { value: unknown }) =>
  value === '' ? undefined : typeof value === 'string' ? Number(value) : value;

/** `skip=` and `limit=`: an integer of 0 or more, given or not. */
function RowCount(description: string): PropertyDecorator {
  const message = '$property must be an integer of 0 or more';
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 0, description }),
    IsOptional(),
    Transform(toCount),
    IsInt({ message }),
    Min(0, { message }),
  );
}

/** The options of a table read (`GET /api/v1/dataset/{name}`, an experiment's data); the rest are filters. */
export class TableReadQueryDto {
  @ApiPropertyOptional({ type: String, description: 'columns to answer, e.g. `id,price`' })
  @IsOptional()
  @IsString({ each: true })
  columns?: string | string[];

  @ApiPropertyOptional({ type: String, description: 'sort order, e.g. `region,-price` (`-` descending)' })
  @IsOptional()
  @IsString({ each: true })
  sort?: string | string[];

  @RowCount('rows to skip')
  skip?: number;

  @RowCount('rows to answer at most')
  limit?: number;

  @ApiPropertyOptional({
    enum: ['dict', 'records'],
    description: 'JSON as `{column: {row id: value}}` (dict, tables) or a list of rows (records)',
  })
  @IsOptional()
  @IsIn(['dict', 'records'], { message: 'orient must be dict or records' })
  orient?: 'dict' | 'records';

  @ApiPropertyOptional({ enum: FORMATS, description: 'the answer format; else by Accept' })
  @IsOptional()
  @IsIn(FORMATS, { message: `format must be ${FORMATS.slice(0, -1).join(', ')} or ${FORMATS.at(-1)}` })
  format?: TableFormat;

  @ApiPropertyOptional({
    description: 'a SQL reference\'s placeholder values as a JSON object, e.g. `{"region": "EU"}`',
  })
  @IsOptional()
  @IsString()
  sqlvars?: string;

  /** A put's `kind`: taken and ignored by reads, as omega-ml clients send it along. */
  @ApiHideProperty()
  @IsOptional()
  @IsString()
  kind?: string;
}

/** A table read's query: the known options, validated, and the `column__op=value` filters apart. */
export interface TableReadParams {
  options: TableReadQueryDto;
  filters: Record<string, unknown>;
}

/** MongoDB's query operators: never a filter key, even where a column's name starts with `$`. */
const MONGO_OPERATORS = new Set(
  (
    'where expr jsonSchema text function accumulator comment and or nor not eq ne gt gte lt lte in nin ' +
    'exists type regex options mod all elemMatch size geoWithin geoIntersects near nearSphere bitsAllSet ' +
    'bitsAnyClear bitsAllClear bitsAnySet sampleRate'
  )
    .split(' ')
    .map((name) => `$${name}`),
);

/**
 * A filter key as the datasets lib reads it: `column` or `column__op` with op one of FILTER_OPS, the
 * column a printable name. A MongoDB operator (`$where`, `a__$gt`) is refused whatever columns exist.
 */
export function assertFilterKey(key: string): void {
  const split = key.lastIndexOf('__');
  const op = split > 0 ? key.slice(split + 2) : '';
  const column = (FILTER_OPS as readonly string[]).includes(op) ? key.slice(0, split) : key;
  if (op.startsWith('$') || MONGO_OPERATORS.has(column))
    throw OmegaError.invalidInput(
      `filter ${JSON.stringify(key)} is a MongoDB operator; filters are column__op=value with op one of ${FILTER_OPS.join(', ')}`,
    );
  assertColumnName(column);
}

/** Every constraint that failed, each naming its field. */
function messagesOf(errors: ValidationError[]): string {
  return errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; ');
}

/** Queries already validated, by their JSON text: a repeated read costs a lookup, not a validation. */
const VALIDATED_MAX = 1000;

export class TableReadQueryPipe implements PipeTransform<Record<string, unknown>, Promise<TableReadParams>> {
  private readonly validated = new Map<string, TableReadParams>();

  async transform(query: Record<string, unknown>): Promise<TableReadParams> {
    const text = JSON.stringify(query ?? {});
    const held = this.validated.get(text);
    if (held) return held;
    const params = await this.validate(query);
    // The same answer for the same text: the checks depend on nothing else. Frozen, since it is shared.
    Object.freeze(params.options);
    Object.freeze(params.filters);
    this.validated.set(text, Object.freeze(params));
    if (this.validated.size > VALIDATED_MAX)
      this.validated.delete(this.validated.keys().next().value as string);
    return params;
  }

  private async validate(query: Record<string, unknown>): Promise<TableReadParams> {
    const known: Record<string, unknown> = {};
    const filters: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(query ?? {})) {
      if (RESERVED_PARAMS.has(key)) known[key] = value;
      else {
        assertFilterKey(key);
        filters[key] = value;
      }
    }
    const options = plainToInstance(TableReadQueryDto, known);
    const errors = await validate(options, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
    });
    if (errors.length > 0) throw OmegaError.invalidInput(messagesOf(errors));
    for (const key of Object.keys(options) as (keyof TableReadQueryDto)[])
      if (options[key] === undefined) delete options[key];
    return { options, filters };
  }
}

/**
 * Each option as its own query parameter, from the DTO's @ApiPropertyOptional (a DTO given to @ApiQuery
 * whole loses its enums on the way into the document).
 */
function optionQueries(dto: new () => object): MethodDecorator[] {
  const names = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, dto.prototype) ?? []) as string[];
  return names.map((entry) => {
    const name = entry.replace(/^:/, '');
    const property = Reflect.getMetadata(
      DECORATORS.API_MODEL_PROPERTIES,
      dto.prototype,
      name,
    ) as ApiQueryOptions;
    return ApiQuery({ ...property, name, required: false });
  });
}

const documented = applyDecorators(
  ...optionQueries(TableReadQueryDto),
  ApiQuery({
    name: 'filters',
    required: false,
    style: 'form',
    explode: true,
    schema: { type: 'object', additionalProperties: { type: 'string' } },
    description:
      '`column__op=value` filters (a plain `column=value` is eq), op one of ' + FILTER_OPS.join(', '),
  }),
);

/**
 * The query of a table read: `{options, filters}`. Options are validated against TableReadQueryDto (a 400
 * names the field); every other key is a filter, checked against the filter grammar before any lookup.
 * Documents both in the OpenAPI description: the options one by one, the filters as a free-form object.
 */
export function TableReadQuery(): ParameterDecorator {
  return (target, key, index) => {
    Query(new TableReadQueryPipe())(target, key, index);
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor) documented(target, key, descriptor);
  };
}

/** Options and filters back as one record, as the readers take them. */
export function tableReadParams({ options, filters }: TableReadParams): Record<string, unknown> {
  return { ...options, ...filters };
}
