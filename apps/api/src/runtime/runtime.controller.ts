import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TenantContext } from '@omega/core';
import { JobsService } from '@omega/jobs';
import { PING_ACTION, RuntimeClient, TaskRecord, WorkerDirectory } from '@omega/runtime';
import { Tenant } from '../http/tenant.decorator';
import { SERVICE_RESOURCE, serviceResponse } from '../service/service-response';
import {
  PingAnswerDto,
  PingQueryDto,
  PingResultDto,
  TaskResultDto,
  TaskResultQueryDto,
  TaskStatusDto,
  WorkerListDto,
} from './runtime.dto';
import { taskResponse } from './task-response';

@ApiTags('runtime')
@Controller('api/v1')
export class RuntimeController {
  constructor(
    private readonly runtime: RuntimeClient,
    private readonly workers: WorkerDirectory,
    private readonly jobs: JobsService,
  ) {}

  @Get('task/:id/status')
  @ApiOperation({ summary: "A task's status, timings and worker" })
  @ApiOkResponse({ type: TaskStatusDto })
  async status(
    @Tenant() ctx: TenantContext,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<TaskStatusDto> {
    const { result: _result, ...record } = await this.runtime.status(ctx, id);
    return taskAnswer(record);
  }

  @Get('task/:id/result')
  @ApiOperation({
    summary: "A task's result (or error) once finished; its status before",
    description:
      "`result` is the task's value; `response` (omega-ml's) what the synchronous call would have answered.",
  })
  @ApiOkResponse({ type: TaskResultDto })
  async result(
    @Tenant() ctx: TenantContext,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: TaskResultQueryDto,
  ): Promise<TaskResultDto> {
    const record = await this.runtime.status(ctx, id);
    if (record.status !== 'SUCCESS') return taskAnswer(record);
    // A service's task answers as the service does: its bare result.
    const response = SERVICE_RESOURCE.test(query.resource_uri ?? '')
      ? await serviceResponse(this.jobs, ctx, record)
      : await taskResponse(this.jobs, ctx, record);
    return { ...taskAnswer(record), result: record.result, response };
  }

  @Get('runtime/workers')
  @ApiOperation({ summary: 'Live workers and the labels they consume' })
  @ApiOkResponse({ type: WorkerListDto })
  async listWorkers(): Promise<WorkerListDto> {
    const workers = await this.workers.alive();
    return { workers, labels: [...new Set(workers.flatMap((worker) => worker.labels))].sort() };
  }

  @Get('runtime/ping')
  @ApiOperation({ summary: 'Run a ping task on a worker of a label (default: default)' })
  @ApiOkResponse({ type: PingAnswerDto })
  async ping(@Tenant() ctx: TenantContext, @Query() query: PingQueryDto): Promise<PingAnswerDto> {
    const { task, result } = await this.runtime.call(ctx, {
      action: PING_ACTION,
      label: query.require,
      kwargs: query.delay_ms !== undefined ? { delay_ms: query.delay_ms } : {},
    });
    // The ping handler's echo (libs/runtime's PingHandler).
    return { task_id: task.id, label: task.label, result: result as PingResultDto };
  }
}

function taskAnswer(record: Omit<TaskRecord, 'result'>) {
  const { id, ...rest } = record;
  return { task_id: id, ...rest };
}
