import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
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

/** A job's schedule as `PUT|GET /api/v1/job/{name}/schedule` answer it. */
export class JobScheduleDto {
  @ApiProperty({ example: 'weekly', description: 'the job' }) name!: string;
  @ApiProperty({ example: 'default' }) bucket!: string;
  @ApiProperty({ example: '30 6 * * 1-5' }) cron!: string;
  @ApiPropertyOptional({ example: 'weekdays at 06:30', description: 'the plain-English form it was set in' })
  text?: string;
  @ApiProperty({ example: 'Europe/Zurich' }) timezone!: string;
  @ApiProperty({ enum: ['api', 'notebook'], description: 'set over the API, or by the notebook itself' })
  source!: string;
  @ApiProperty() created!: Date;
  @ApiProperty() modified!: Date;
  @ApiProperty({ type: Date, nullable: true, description: 'the due time it last fired for' })
  last_run!: Date | null;
  @ApiProperty({ type: String, nullable: true, description: 'the task of that firing' })
  last_task_id!: string | null;
  @ApiProperty({ type: [Date], description: 'the next times it fires' }) next_times!: Date[];
}

/** One scheduled run of a job. */
export class ScheduleTriggerDto {
  @ApiProperty() due_at!: Date;
  @ApiProperty({ type: Date, nullable: true }) fired_at!: Date | null;
  @ApiProperty({ type: String, nullable: true }) task_id!: string | null;
  @ApiProperty({ enum: ['claimed', 'submitted', 'failed'] }) status!: string;
  @ApiProperty({ description: 'a run missed while no manager ran, fired late' }) catch_up!: boolean;
  @ApiProperty({ description: 'the manager that fired it' }) manager!: string;
  @ApiPropertyOptional() error?: string;
}

export class ScheduleTriggersDto {
  @ApiProperty({ example: 'weekly', description: 'the job' }) name!: string;
  @ApiProperty({ type: [ScheduleTriggerDto], description: 'newest first' }) triggers!: ScheduleTriggerDto[];
}
