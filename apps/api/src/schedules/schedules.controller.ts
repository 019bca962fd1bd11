import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TenantContext } from '@omega/core';
import { Schedule, ScheduleTrigger, SchedulesService } from '@omega/schedules';
import { DeletedDto } from '../http/answer-docs';
import { Tenant } from '../http/tenant.decorator';
import {
  JobScheduleDto,
  ScheduleQueryDto,
  ScheduleTriggerDto,
  ScheduleTriggersDto,
  SetScheduleDto,
  TriggersQueryDto,
} from './schedule.dto';

const DEFAULT_NEXT_TIMES = 5;

@ApiTags('schedules')
@Controller('api/v1/job/:name/schedule')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Put()
  @ApiOperation({ summary: "Set a job's schedule (cron or plain English, in a time zone)" })
  @ApiOkResponse({ type: JobScheduleDto })
  async set(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Body() body: SetScheduleDto,
  ): Promise<JobScheduleDto> {
    const schedule = await this.schedules.schedule(ctx, name, body);
    return scheduleAnswer(schedule, this.schedules.nextTimesOf(schedule, DEFAULT_NEXT_TIMES));
  }

  @Get()
  @ApiOperation({ summary: "A job's schedule and its next `n` run times" })
  @ApiOkResponse({ type: JobScheduleDto })
  async get(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Query() query: ScheduleQueryDto,
  ): Promise<JobScheduleDto> {
    const schedule = await this.schedules.get(ctx, name);
    return scheduleAnswer(schedule, this.schedules.nextTimesOf(schedule, query.n ?? DEFAULT_NEXT_TIMES));
  }

  @Get('triggers')
  @ApiOperation({ summary: "A job's scheduled runs so far (newest first): due time, task id, manager" })
  @ApiOkResponse({ type: ScheduleTriggersDto })
  async triggers(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Query() query: TriggersQueryDto,
  ): Promise<ScheduleTriggersDto> {
    // Over REST a job that does not exist (or no longer does) has no triggers to show: 404, as for its schedule.
    await this.schedules.requireJob(ctx, name);
    const triggers = await this.schedules.listTriggers(ctx, name, query.limit);
    return { name, triggers: triggers.map(triggerAnswer) };
  }

  @Delete()
  @ApiOperation({ summary: "Drop a job's schedule" })
  @ApiOkResponse({ type: DeletedDto })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<DeletedDto> {
    await this.schedules.dropSchedule(ctx, name);
    return { deleted: name };
  }
}

function scheduleAnswer(schedule: Schedule, next: Date[]): JobScheduleDto {
  return {
    name: schedule.job,
    bucket: schedule.bucket,
    cron: schedule.cron,
    ...(schedule.text !== undefined ? { text: schedule.text } : {}),
    timezone: schedule.timezone,
    source: schedule.source,
    created: schedule.created,
    modified: schedule.modified,
    last_run: schedule.lastRun ?? null,
    last_task_id: schedule.lastTaskId ?? null,
    next_times: next,
  };
}

function triggerAnswer(trigger: ScheduleTrigger): ScheduleTriggerDto {
  return {
    due_at: trigger.dueAt,
    fired_at: trigger.firedAt ?? null,
    task_id: trigger.taskId ?? null,
    status: trigger.status,
    catch_up: trigger.catchUp,
    manager: trigger.manager,
    ...(trigger.error ? { error: trigger.error } : {}),
  };
}
