import { ApiPropertyOptional } from '@nestjs/swagger';
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
