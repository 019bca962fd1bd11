import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { WORKER_LABEL_PATTERN } from '@omega/runtime';
import { IsBoolean, IsOptional, Matches } from 'class-validator';

/** `true`/`1` and `false`/`0` in a query string; anything else is left for the validator to refuse. */
export const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** The query parameters every endpoint that runs a task reads itself: `async` and `require`. */
export class TaskQueryDto {
  @ApiPropertyOptional({ description: 'answer 202 at once with the task location' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  async?: boolean;

  @ApiPropertyOptional({ description: 'worker label to run on, e.g. gpu' })
  @IsOptional()
  @Matches(WORKER_LABEL_PATTERN, { message: 'require must be a worker label' })
  require?: string;
}
