import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_PING_DELAY_MS, WORKER_LABEL_PATTERN } from '@omega/runtime';

export class PingQueryDto {
  @ApiPropertyOptional({ description: 'worker label', example: 'default' })
  @IsOptional()
  @Matches(WORKER_LABEL_PATTERN, { message: 'require must be a worker label' })
  require?: string;

  @ApiPropertyOptional({ description: 'milliseconds the worker waits before answering' })
  @IsOptional()
  @Transform(({ value }) => Number(value))
  @IsInt()
  @Min(0)
  @Max(MAX_PING_DELAY_MS)
  delay_ms?: number;
}

/** `GET /api/v1/task/{id}/result`: omega-ml's clients name the resource that submitted the task. */
export class TaskResultQueryDto {
  @ApiPropertyOptional({
    description: 'the resource that submitted the task (a service answers its bare result under `response`)',
    example: '/api/service/helloworld/run',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  resource_uri?: string;
}

class TaskErrorDto {
  @ApiProperty({ example: 'TASK_FAILED' }) code!: string;
  @ApiProperty() message!: string;
}

/** `GET /api/v1/task/{id}/result`: the task's record, its value and omega-ml's `response` once it succeeded. */
export class TaskResultDto {
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty() bucket!: string;
  @ApiProperty({ example: 'model.predict' }) action!: string;
  @ApiPropertyOptional({ example: 'iris' }) object?: string;
  @ApiProperty({ example: 'default' }) label!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) argsSummary!: Record<string, unknown>;
  @ApiProperty({ enum: ['PENDING', 'STARTED', 'SUCCESS', 'FAILURE'] }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty() submitted!: Date;
  @ApiPropertyOptional() started?: Date;
  @ApiPropertyOptional() finished?: Date;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional() worker?: string;
  @ApiPropertyOptional({ description: "the task's value (SUCCESS)" }) result?: unknown;
  @ApiPropertyOptional({
    description: "omega-ml's: what the synchronous call would have answered (SUCCESS)",
  })
  response?: unknown;
  @ApiPropertyOptional({ type: TaskErrorDto }) error?: TaskErrorDto;
}
