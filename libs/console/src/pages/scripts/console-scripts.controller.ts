import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { OmegaStores, TenantContext } from '@omega/core';
import { TaskRecordsRepository } from '@omega/runtime';
import { SCRIPT_RUN_ACTION, ScriptRunsService, ScriptsService, SCRIPTS_PREFIX } from '@omega/scripts';
import type { Request, Response } from 'express';
import { Readable } from 'node:stream';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { ListingQuery, RunForm } from '../../http/console-forms';
import { CONSOLE_BASE } from '../../rendering/console-files';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { highlight } from '../../rendering/highlight';
import { namePage } from '../listing/cursor-page';
import { runRequestOf } from './run-form';
import { ConsoleForm, ConsolePage } from '../../http/console-openapi';

/** Runs a script page lists. */
const RECENT_RUNS = 10;
/** Larger sources are not shown in the page (they can still be downloaded over the API). */
const MAX_SHOWN_SOURCE = 256 * 1024;
const SOURCE_FILE = /\.(?:[cm]?[jt]s|tsx|jsx)$/i;

/** Scripts: a searchable listing, a page per script with its source and runs, and running it from a form. */
@Controller('console/scripts')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleScriptsController {
  constructor(
    private readonly stores: OmegaStores,
    private readonly scripts: ScriptsService,
    private readonly runs: ScriptRunsService,
    private readonly tasks: TaskRecordsRepository,
    private readonly view: ConsoleRenderer,
  ) {}

  @ConsolePage('The scripts, paged and searchable')
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListingQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant);
    const page = await namePage(this.stores.for(SCRIPTS_PREFIX), ctx, 'scripts', query);
    this.view.render(req, res, 'scripts', {
      title: 'Scripts',
      q: query.q ?? '',
      page: { ...page, items: page.items.map((meta) => this.scripts.summary(meta)) },
    });
  }

  @ConsolePage('One script: its source and a run form')
  @Get(':name')
  async script(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.page(principal, name, req, res, {});
  }

  /**
   * Runs the script for the logged-in user: waits and shows the answer (result, stdout, stderr), or
   * submits it and goes to the task's page. Readonly users are refused by the auth guard before this.
   */
  @ConsoleForm('the task page of the run')
  @Post(':name/run')
  async run(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() form: RunForm,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant);
    const request = runRequestOf(form, principal, req.header('x-request-id'));
    if (form.mode === 'async') {
      const task = await this.runs.submit(ctx, name, request);
      res.redirect(303, `${CONSOLE_BASE}/tasks/${task.id}`);
      return;
    }
    const record = await this.runs.call(ctx, name, request);
    await this.page(
      principal,
      name,
      req,
      res,
      { run: record, form },
      record.status === 'FAILURE' ? 422 : 200,
    );
  }

  private async page(
    principal: Principal,
    name: string,
    req: Request,
    res: Response,
    data: Record<string, unknown>,
    status = 200,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant);
    const script = await this.scripts.describe(ctx, name);
    const [source, runs] = await Promise.all([
      this.shownSource(ctx, name),
      this.tasks.list(ctx, { action: SCRIPT_RUN_ACTION, object: name, limit: RECENT_RUNS }),
    ]);
    const kindMeta = script.kindMeta as { dependencies?: Record<string, string> };
    this.view.render(
      req,
      res,
      'script',
      {
        title: `Script ${script.name}`,
        script,
        dependencies: Object.entries(kindMeta.dependencies ?? {}).map(([dep, version]) => ({
          name: dep,
          version,
        })),
        source,
        runs: runs.items,
        runsTotal: runs.total,
        canRun: principal.role !== 'readonly',
        ...data,
      },
      status,
    );
  }

  /** The uploaded source as highlighted tokens, when it is one text file of a reasonable size. */
  private async shownSource(
    ctx: TenantContext,
    name: string,
  ): Promise<{ filename: string; size: number; tokens?: ReturnType<typeof highlight> }> {
    const source = await this.scripts.source(ctx, name);
    if (!SOURCE_FILE.test(source.filename) || source.size > MAX_SHOWN_SOURCE) {
      source.stream.destroy();
      return { filename: source.filename, size: source.size };
    }
    return { filename: source.filename, size: source.size, tokens: highlight(await readText(source.stream)) };
  }
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
