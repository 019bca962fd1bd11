import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TaskQueryDto } from '../http/task-query.dto';

/** The text fields of a multipart script or job upload (the file part is the script or notebook). */
export class RunnableUploadFieldsDto {
  @IsString()
  @MaxLength(200)
  name!: string;

  /** JSON object, as a form field. */
  @IsOptional()
  @IsString()
  @MaxLength(64 * 1024)
  attributes?: string;
}

export class ScriptUploadFieldsDto extends RunnableUploadFieldsDto {
  /** npm dependencies: a JSON object `{"ms": "^2.1.3"}` or a list `ms@^2.1.3,lodash.sum`. */
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  dependencies?: string;
}

/** The query parameters of a run the platform reads itself; any others are the script's kwargs. */
export class RunQueryDto extends TaskQueryDto {
  @ApiPropertyOptional({ description: 'seconds to wait for a synchronous result' })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(86400)
  timeout?: number;
}

export const RUN_QUERY_KEYS = new Set(['async', 'require', 'timeout']);
