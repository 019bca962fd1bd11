import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_PING_DELAY_MS } from '@omega/runtime';

export class PingQueryDto {
  @ApiPropertyOptional({ description: 'worker label', example: 'default' })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'require must be a worker label' })
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
