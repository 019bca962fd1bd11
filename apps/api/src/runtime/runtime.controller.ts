import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { TenantContext } from '@omega/core';
import { PING_ACTION, RuntimeClient, TaskRecord, WorkerDirectory } from '@omega/runtime';
import { Tenant } from '../http/tenant.decorator';
import { validateBody } from '../http/validate-body';
import { PingQueryDto } from './runtime.dto';

@ApiTags('runtime')
@Controller('api/v1')
export class RuntimeController {
  constructor(
    private readonly runtime: RuntimeClient,
    private readonly workers: WorkerDirectory,
  ) {}

  @Get('task/:id/status')
  @ApiOperation({ summary: "A task's status, timings and worker" })
  async status(@Tenant() ctx: TenantContext, @Param('id', new ParseUUIDPipe()) id: string) {
    const { result: _result, ...record } = await this.runtime.status(ctx, id);
    return taskAnswer(record);
  }

  @Get('task/:id/result')
  @ApiOperation({ summary: "A task's result (or error) once finished; its status before" })
  async result(@Tenant() ctx: TenantContext, @Param('id', new ParseUUIDPipe()) id: string) {
    const record = await this.runtime.status(ctx, id);
    return { ...taskAnswer(record), ...(record.status === 'SUCCESS' ? { result: record.result } : {}) };
  }

  @Get('runtime/workers')
  @ApiOperation({ summary: 'Live workers and the labels they consume' })
  async listWorkers() {
    const workers = await this.workers.alive();
    return { workers, labels: [...new Set(workers.flatMap((worker) => worker.labels))].sort() };
  }

  @Get('runtime/ping')
  @ApiOperation({ summary: 'Run a ping task on a worker of a label (default: default)' })
  async ping(@Tenant() ctx: TenantContext, @Query() query: Record<string, unknown>) {
    const options = await validateBody(PingQueryDto, query);
    const { task, result } = await this.runtime.call(ctx, {
      action: PING_ACTION,
      label: options.require,
      kwargs: options.delay_ms !== undefined ? { delay_ms: options.delay_ms } : {},
    });
    return { task_id: task.id, label: task.label, result };
  }
}

function taskAnswer(record: Omit<TaskRecord, 'result'>) {
  const { id, ...rest } = record;
  return { task_id: id, ...rest };
}
