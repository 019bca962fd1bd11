import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `PUT /api/v1/job/{name}/schedule`: a cron expression or plain English (one of them), and a time zone. */
export class SetScheduleDto {
  @ApiPropertyOptional({ example: '30 6 * * 1-5', description: 'five-field cron expression' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cron?: string;

  @ApiPropertyOptional({
    example: 'weekdays at 06:30',
    description:
      'every N minutes, every hour, every N hours, every day at HH:MM, weekdays at HH:MM, weekends at HH:MM, mondays at HH:MM, on the 1st at HH:MM',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  text?: string;

  @ApiPropertyOptional({ example: 'Europe/Zurich', default: 'UTC', description: 'IANA time zone name' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  timezone?: string;
}

export class ScheduleQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 5, description: 'how many next times to list' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  n?: number;
}

export class TriggersQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
