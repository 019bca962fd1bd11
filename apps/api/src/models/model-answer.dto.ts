import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { BatchPredictSummary } from '@omega/models';
import { ListPageDto, TaskAcceptedDto } from '../http/answer-docs';

/** omega-ml's `result` of a model detail. */
export class ModelResultDto {
  @ApiProperty({ example: 'regression' }) name!: string;
  @ApiProperty({ example: 'onnx.model' }) kind!: string;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
  @ApiProperty({ example: 'default' }) bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
}

/** A model's Metadata as stored (what a put, a create and a promote answer; the list's items). */
export class ModelDto {
  @ApiProperty({ example: 'regression' }) name!: string;
  @ApiProperty({ example: 'models' }) prefix!: string;
  @ApiProperty({ example: 'onnx.model' }) kind!: string;
  @ApiProperty({ example: 'default' }) bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "the engine's facts: signature, versions, tags",
  })
  kindMeta!: Record<string, unknown>;
  @ApiPropertyOptional() collection?: string;
  @ApiPropertyOptional() gridFile?: string;
  @ApiPropertyOptional() uri?: string;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
}

export class ModelListDto extends ListPageDto(ModelDto) {}

/** `GET /api/v1/model/{name}`: the Metadata with omega-ml's `{model, result}` beside it. */
export class ModelDetailDto extends ModelDto {
  @ApiProperty({ example: 'regression', description: "omega-ml's model name" }) model!: string;
  @ApiProperty({ type: ModelResultDto }) result!: ModelResultDto;
}

/** One stored version of a model. */
export class ModelVersionDto {
  @ApiProperty({ example: 3 }) version!: number;
  @ApiProperty({ example: 'onnx.model' }) kind!: string;
  @ApiProperty() gridFile!: string;
  @ApiProperty({ description: 'bytes' }) size!: number;
  @ApiProperty() sha256!: string;
  @ApiProperty() created!: Date;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'signature, inputs, outputs' })
  description!: object;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'where it came from' })
  lineage!: object;
}

/** `GET /api/v1/model/{name}/versions`. */
export class ModelVersionsDto {
  @ApiProperty({ example: 'regression' }) name!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'tag to version number; `latest` is always there',
  })
  tags!: Record<string, number>;
  @ApiProperty({ type: [ModelVersionDto], description: 'newest first' }) versions!: ModelVersionDto[];
}

/** What a prediction stored as a dataset answers (`?result=`), and such a task's result. */
export class BatchPredictSummaryDto implements BatchPredictSummary {
  @ApiProperty({ example: 'regression', description: 'the model as called' }) model!: string;
  @ApiProperty({ example: 'predictions', description: 'the dataset the predictions were stored as' })
  dataset!: string;
  @ApiProperty({ type: 'integer', example: 1000, description: 'rows predicted' }) rows!: number;
  @ApiProperty({ type: 'integer', example: 1, description: 'model calls (`?batch=` rows each)' })
  batches!: number;
  @ApiProperty({ type: [String], example: ['prediction'], description: "the stored dataset's columns" })
  columns!: string[];
}

/** What a model action answers (and an async task's `response`). */
@ApiExtraModels(BatchPredictSummaryDto)
export class ModelActionAnswerDto {
  @ApiProperty({ example: 'regression', description: 'the model reference as called' }) model!: string;
  @ApiProperty({
    description:
      "the action's value: predictions, probabilities, a score, a fitted model's name, a batch prediction's summary",
    // anyOf, not oneOf: a summary is also an object of the generic kind, and would match twice.
    anyOf: [
      { type: 'array', items: {} },
      { $ref: getSchemaPath(BatchPredictSummaryDto) },
      { type: 'object', additionalProperties: true },
      { type: 'number' },
      { type: 'string' },
    ],
  })
  result!: unknown;
  @ApiProperty({ example: 'regression' }) resource_uri!: string;
}

/** 202: an async model action was submitted; its result is at `resource_uri` (also the Location). */
export class ModelTaskAcceptedDto extends TaskAcceptedDto {
  @ApiProperty({ example: 'regression' }) model!: string;
}
