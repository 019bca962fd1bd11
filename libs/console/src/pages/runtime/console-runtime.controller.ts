import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res, UseFilters } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { OmegaError, TenantContext } from '@omega/core';
import { TASK_STATUSES, TaskRecordsRepository, WorkerDirectory } from '@omega/runtime';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { TaskListQuery, utcTime } from '../../http/console-forms';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { pageHref } from '../listing/cursor-page';

/** Tasks shown per page, newest first. */
const TASK_LIMIT = 50;

/** The tenant's tasks (status, timings, errors) and the live workers with their labels. */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleRuntimeController {
  constructor(
    private readonly tasks: TaskRecordsRepository,
    private readonly workers: WorkerDirectory,
    private readonly view: ConsoleRenderer,
  ) {}

  @Get('tasks')
  async taskList(
    @CurrentPrincipal() principal: Principal,
    @Query() query: TaskListQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const filters = {
      status: query.status,
      action: query.action,
      object: query.object,
      from: query.from,
      to: query.to,
    };
    const cursor = query.before ? /^(.+)_(.+)$/.exec(query.before) : null;
    const { items, total } = await this.tasks.list(TenantContext.of(principal.tenant), {
      ...filters,
      from: utcTime(query.from),
      to: utcTime(query.to),
      before: cursor ? { submitted: new Date(cursor[1]), id: cursor[2] } : undefined,
      limit: TASK_LIMIT + 1,
    });
    const shown = items.slice(0, TASK_LIMIT);
    const last = shown[shown.length - 1];
    this.view.render(req, res, 'tasks', {
      title: 'Tasks',
      tasks: shown,
      total,
      filters,
      statuses: TASK_STATUSES,
      page: {
        items: shown,
        total,
        nextHref:
          items.length > TASK_LIMIT
            ? pageHref('tasks', { ...filters, before: `${last.submitted.toISOString()}_${last.id}` })
            : undefined,
        firstHref: query.before ? pageHref('tasks', filters) : undefined,
      },
    });
  }

  @Get('tasks/:id')
  async task(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const task = await this.tasks.find(TenantContext.of(principal.tenant), id);
    if (!task) throw OmegaError.notFound(`task ${id}`);
    this.view.render(req, res, 'task', { title: `Task ${task.action}`, task });
  }

  @Get('workers')
  async workerList(
    @CurrentPrincipal() _principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const workers = await this.workers.alive();
    const labels = [...new Set(workers.flatMap((worker) => worker.labels))].sort();
    this.view.render(req, res, 'workers', { title: 'Workers', workers, labels });
  }
}
