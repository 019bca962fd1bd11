import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { WORKER_LABEL_PATTERN } from '../models/model.dto';

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

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** The query parameters of a run the platform reads itself; any others are the script's kwargs. */
export class RunQueryDto {
  @ApiPropertyOptional({ description: 'answer 202 at once with the task location' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  async?: boolean;

  @ApiPropertyOptional({ description: 'worker label to run on' })
  @IsOptional()
  @Matches(WORKER_LABEL_PATTERN, { message: 'require must be a worker label' })
  require?: string;

  @ApiPropertyOptional({ description: 'seconds to wait for a synchronous result' })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(1)
  @Max(86400)
  timeout?: number;
}

export const RUN_QUERY_KEYS = new Set(['async', 'require', 'timeout']);
