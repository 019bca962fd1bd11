import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';

/** `PUT /api/v1/service/{name}/signature`: omega-ml's `link_datatype(name, X=, Y=, result=, actions=)`. */
export class LinkSignatureDto {
  @ApiPropertyOptional({
    description: 'JSON Schema of the input (the request body)',
    example: { type: 'object', properties: { factor: { type: 'number' } }, additionalProperties: false },
  })
  @IsOptional()
  @IsObject()
  X?: Record<string, unknown>;

  @ApiPropertyOptional({ description: "JSON Schema of a model's output" })
  @IsOptional()
  @IsObject()
  Y?: Record<string, unknown>;

  @ApiPropertyOptional({ description: "JSON Schema of a script's or model's result" })
  @IsOptional()
  @IsObject()
  result?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'the action a call without one runs (first listed)',
    example: ['predict'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  actions?: string[];
}

class ServiceSignatureDto extends LinkSignatureDto {}

/** A service's signature as linked (`{}` when none is). */
export class ServiceSignatureAnswerDto {
  @ApiProperty({ example: 'helloservice' }) service!: string;
  @ApiProperty({ enum: ['model', 'script', 'job'] }) kind!: string;
  @ApiProperty({ type: ServiceSignatureDto }) signature!: ServiceSignatureDto;
}

export class ServiceUnlinkedDto {
  @ApiProperty({ example: 'helloservice' }) service!: string;
  @ApiProperty({ example: 'signature' }) deleted!: string;
}

/** A service's own document: Swagger 2.0, as omega-ml's `…/doc` answers. */
export class ServiceDocumentDto {
  @ApiProperty({ example: '2.0' }) swagger!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) info!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) paths!: Record<string, unknown>;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: '`<name>_X`, `<name>_result` / `<name>_Y`: the linked schemas',
  })
  definitions!: Record<string, unknown>;
}

/** 202: an async service call was submitted; its result is at the Location (`/api/v1/task/{id}/result`). */
export class ServiceTaskAcceptedDto {
  @ApiProperty({ example: 'helloservice' }) service!: string;
  @ApiProperty({ enum: ['pending'] }) result!: 'pending';
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ enum: ['PENDING'] }) status!: 'PENDING';
  @ApiProperty({ example: '/api/service/helloservice/predict' }) resource_uri!: string;
}
