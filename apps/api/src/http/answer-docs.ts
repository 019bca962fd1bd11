import { applyDecorators, Type } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** The `meta` of omega-ml's (tastypie's) list envelope. */
export class ListMetaDto {
  @ApiProperty({ example: 100 }) limit!: number;
  @ApiProperty({ example: 0 }) offset!: number;
  @ApiProperty({ description: 'every match, not only this page' }) total_count!: number;
}

export interface ListPage<T> {
  objects: T[];
  meta: ListMetaDto;
}

/**
 * The list envelope of `item`s, to extend with a named class (`class DatasetListDto extends
 * ListPageDto(DatasetDto) {}`): the document names schemas after classes.
 */
export function ListPageDto<T>(item: Type<T>): Type<ListPage<T>> {
  class ListPageOf {
    @ApiProperty({ type: [item] }) objects!: T[];
    @ApiProperty({ type: ListMetaDto }) meta!: ListMetaDto;
  }
  return ListPageOf;
}

/** Bytes: a stream or a file's content. */
export const BINARY_SCHEMA: SchemaObject = { type: 'string', format: 'binary' };

/**
 * Describes a 200 that is not one JSON shape: `json` (when given) is the schema of its JSON form, and each
 * of `binary` a media type answered as bytes (a CSV, Arrow or Parquet stream, a file's content).
 */
export function ApiStreamAnswer(options: {
  description: string;
  json?: SchemaObject;
  binary: string[];
}): MethodDecorator {
  const content: Record<string, { schema: SchemaObject }> = {};
  if (options.json) content['application/json'] = { schema: options.json };
  for (const mediaType of options.binary) content[mediaType] = { schema: BINARY_SCHEMA };
  return applyDecorators(
    ApiProduces(...Object.keys(content)),
    ApiOkResponse({ description: options.description, content }),
  );
}

/** What a drop answers. */
export class DeletedDto {
  @ApiProperty({ example: 'sales', description: 'the name dropped' }) deleted!: string;
}

/** A property holding any JSON value (a run's or an action's result): the document constrains nothing. */
export const ANY_JSON: ApiPropertyOptions = {
  oneOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
  ],
  nullable: true,
};

/** 202: an async run was submitted; its result is at `resource_uri` (also the Location). */
export class TaskAcceptedDto {
  @ApiProperty({ example: 'pending' }) result!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ example: 'PENDING' }) status!: string;
  @ApiProperty({ example: '/api/v1/task/7f7c…/result' }) resource_uri!: string;
}
