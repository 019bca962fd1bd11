import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_PING_DELAY_MS, TASK_STATUSES, TaskStatus, WORKER_LABEL_PATTERN } from '@omega/runtime';
import { ANY_JSON } from '../http/answer-docs';

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

/** `GET /api/v1/task/{id}/status`: the task's record (status, timings, worker, error), without its value. */
export class TaskStatusDto {
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty() bucket!: string;
  @ApiProperty({ example: 'model.predict' }) action!: string;
  @ApiPropertyOptional({ example: 'iris' }) object?: string;
  @ApiProperty({ example: 'default' }) label!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) argsSummary!: Record<string, unknown>;
  @ApiProperty({ enum: TASK_STATUSES }) status!: TaskStatus;
  @ApiProperty() attempts!: number;
  @ApiProperty() submitted!: Date;
  @ApiPropertyOptional() started?: Date;
  @ApiPropertyOptional() finished?: Date;
  @ApiPropertyOptional() durationMs?: number;
  @ApiPropertyOptional() worker?: string;
  @ApiPropertyOptional({ type: TaskErrorDto }) error?: TaskErrorDto;
}

/** `GET /api/v1/task/{id}/result`: the task's record, its value and omega-ml's `response` once it succeeded. */
export class TaskResultDto extends TaskStatusDto {
  @ApiPropertyOptional({ ...ANY_JSON, description: "the task's value (SUCCESS)" }) result?: unknown;
  @ApiPropertyOptional({
    ...ANY_JSON,
    description: "omega-ml's: what the synchronous call would have answered (SUCCESS)",
  })
  response?: unknown;
}

/** A live worker and what it consumes. */
export class WorkerStatusDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: [String], example: ['default'] }) labels!: string[];
  @ApiProperty() host!: string;
  @ApiProperty() pid!: number;
  @ApiProperty({ description: 'tasks it runs at once' }) concurrency!: number;
  @ApiProperty() started!: Date;
  @ApiProperty({ enum: ['broker', 'in-process'], description: '`in-process`: the runner inside the API' })
  mode!: 'broker' | 'in-process';
  @ApiProperty({ description: 'tasks running now' }) inFlight!: number;
  @ApiProperty({ description: 'tasks finished since it started' }) processed!: number;
  @ApiProperty({ description: 'its last report' }) seen!: Date;
}

/** `GET /api/v1/runtime/workers`. */
export class WorkerListDto {
  @ApiProperty({ type: [WorkerStatusDto] }) workers!: WorkerStatusDto[];
  @ApiProperty({ type: [String], description: 'the labels the live workers consume, sorted' })
  labels!: string[];
}

/** What a ping task answers: omega-ml's `om.runtime.ping()` echo. */
export class PingResultDto {
  @ApiProperty({ example: 'ping return message' }) message!: string;
  @ApiProperty({ format: 'date-time' }) time!: string;
  @ApiProperty({ type: 'array', items: {} }) args!: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true }) kwargs!: Record<string, unknown>;
  @ApiProperty() tenant!: string;
  @ApiProperty() bucket!: string;
}

/** `GET /api/v1/runtime/ping`. */
export class PingAnswerDto {
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ example: 'default' }) label!: string;
  @ApiProperty({ type: PingResultDto }) result!: PingResultDto;
}
