import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** omega-ml's `result` of a model detail. */
export class ModelResultDto {
  @ApiProperty({ example: 'regression' }) name!: string;
  @ApiProperty({ example: 'onnx.model' }) kind!: string;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
  @ApiProperty({ example: 'default' }) bucket!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes!: Record<string, unknown>;
}

/** `GET /api/v1/model/{name}`: the Metadata with omega-ml's `{model, result}` beside it. */
export class ModelDetailDto {
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
  @ApiProperty({ example: 'regression', description: "omega-ml's model name" }) model!: string;
  @ApiProperty({ type: ModelResultDto }) result!: ModelResultDto;
}

/** What a model action answers (and an async task's `response`). */
export class ModelActionAnswerDto {
  @ApiProperty({ example: 'regression', description: 'the model reference as called' }) model!: string;
  @ApiProperty({
    description:
      "the action's value: predictions, probabilities, a score, a fitted model's name, a batch prediction's summary",
    oneOf: [
      { type: 'array', items: {} },
      { type: 'object', additionalProperties: true },
      { type: 'number' },
      { type: 'string' },
    ],
  })
  result!: unknown;
  @ApiProperty({ example: 'regression' }) resource_uri!: string;
}

/** 202: an async model action was submitted; its result is at `resource_uri` (also the Location). */
export class ModelTaskAcceptedDto {
  @ApiProperty({ example: 'regression' }) model!: string;
  @ApiProperty({ example: 'pending' }) result!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ example: 'PENDING' }) status!: string;
  @ApiProperty({ example: '/api/v1/task/7f7c…/result' }) resource_uri!: string;
}
