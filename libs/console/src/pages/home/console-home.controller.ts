import { Controller, Get, Req, Res, UseFilters } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { OmegaStores, TenantContext } from '@omega/core';
import { TaskRecordsRepository, WorkerDirectory } from '@omega/runtime';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { ConsolePage } from '../../http/console-openapi';

/** The landing page: how many objects the tenant has, its latest tasks, the live workers. */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleHomeController {
  constructor(
    private readonly stores: OmegaStores,
    private readonly tasks: TaskRecordsRepository,
    private readonly workers: WorkerDirectory,
    private readonly view: ConsoleRenderer,
  ) {}

  @ConsolePage('The overview: counts of stored objects, tasks and workers')
  @Get()
  async overview(
    @CurrentPrincipal() principal: Principal,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant);
    const [datasets, models, files, scripts, jobs, tasks, workers] = await Promise.all([
      this.stores.datasets.list(ctx, { limit: 1 }),
      this.stores.for('models').list(ctx, { limit: 1 }),
      this.stores.files.list(ctx, { limit: 1 }),
      this.stores.for('scripts').list(ctx, { limit: 1 }),
      this.stores.for('jobs').list(ctx, { limit: 1 }),
      this.tasks.list(ctx, { limit: 5 }),
      this.workers.alive(),
    ]);
    this.view.render(req, res, 'overview', {
      title: 'Overview',
      counts: {
        datasets: datasets.total,
        models: models.total,
        files: files.total,
        scripts: scripts.total,
        jobs: jobs.total,
        tasks: tasks.total,
      },
      tasks: tasks.items,
      workers,
    });
  }
}
