import { Controller, Get, Param, ParseUUIDPipe, Query, Req, Res, UseFilters } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { OmegaError, TenantContext } from '@omega/core';
import { TASK_STATUSES, TaskRecordsRepository, WorkerDirectory, WorkerStatus } from '@omega/runtime';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { ListingQuery, TaskListQuery, utcTime } from '../../http/console-forms';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { workerId } from '../../rendering/view-filters';
import { namedPage, PAGE_SIZE, pageHref } from '../listing/cursor-page';
import { ConsolePage } from '../../http/console-openapi';

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

  @ConsolePage('The tasks, newest first, filterable by state')
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

  @ConsolePage('One task: state, times, result or error')
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

  /**
   * The live workers, a page at a time from a cursor: the id as the reader sees it (the whole id for
   * platform admins, its random part for others, so the link never names a host).
   */
  @ConsolePage('The live workers and the labels they serve')
  @Get('workers')
  async workerList(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListingQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const alive = await this.workers.alive();
    const labels = [...new Set(alive.flatMap((worker) => worker.labels))].sort();
    const shownId = (worker: WorkerStatus) => workerId(worker.id, principal.isPlatformAdmin === true);
    const sorted = alive
      .map((worker) => ({ ...worker, shownId: shownId(worker) }))
      .sort((a, b) => (a.shownId < b.shownId ? -1 : a.shownId > b.shownId ? 1 : 0));
    const after = query.after;
    const rest = after === undefined ? sorted : sorted.filter((worker) => worker.shownId > after);
    const shown = rest.slice(0, PAGE_SIZE);
    const page = namedPage('workers', query, shown, alive.length, rest.length > PAGE_SIZE, (w) => w.shownId);
    this.view.render(req, res, 'workers', { title: 'Workers', workers: shown, labels, page });
  }
}
