import { applyDecorators, Controller, Get, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiProduces, ApiResponse } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { OmegaError, TenantContext } from '@omega/core';
import { ExperimentsService, MAX_COMPARED_RUNS } from '@omega/tracking';
import type { Request, Response } from 'express';
import { Chart, CHART_CONTENT_TYPES, ChartFormat, ChartRenderer } from '../../charts/chart-renderer';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { ConsolePage } from '../../http/console-openapi';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { CHART_FILE, ExperimentChartQuery, ExperimentListQuery, MonitorQuery } from './tracking-forms';
import { TrackingPages } from './tracking-pages';

/** Experiments a listing page shows. */
const LIST_PAGE = 50;

/**
 * A chart answer is an image on its own: nothing in it may run or load anything, whoever opens it (the
 * pages embed it with <img>, which runs nothing either).
 */
const CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; sandbox";

/** A chart download in the OpenAPI document: `<chart>.svg`, `.png` or `.csv`. */
function ChartFile(description: string): MethodDecorator {
  const content = {
    'image/svg+xml': { schema: { type: 'string' } },
    'image/png': { schema: { type: 'string', format: 'binary' } },
    'text/csv': { schema: { type: 'string' } },
  };
  return applyDecorators(
    ApiProduces(...Object.keys(content)),
    ApiResponse({ status: 200, description, content }),
  );
}

/** Experiments (runs, parameters, metric curves, comparison) and tracked models' drift monitoring. */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleTrackingController {
  constructor(
    private readonly experiments: ExperimentsService,
    private readonly pages: TrackingPages,
    private readonly charts: ChartRenderer,
    private readonly view: ConsoleRenderer,
  ) {}

  @Get('experiments')
  @ConsolePage('The experiments, paged and searchable')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ExperimentListQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    const q = query.q?.trim() ?? '';
    const skip = query.skip ?? 0;
    const { items, total } = await this.experiments.list(ctx, {
      pattern: q ? (/[*?]/.test(q) ? q : `*${q}*`) : undefined,
      skip,
      limit: LIST_PAGE,
    });
    const link = (to: number) =>
      `?${new URLSearchParams({ ...(q ? { q } : {}), ...(query.bucket ? { bucket: query.bucket } : {}), skip: String(to) })}`;
    this.view.render(req, res, 'experiments', {
      title: 'Experiments',
      bucket: ctx.bucket,
      q,
      items,
      total,
      nextHref: skip + LIST_PAGE < total ? link(skip + LIST_PAGE) : null,
      previousHref: skip > 0 ? link(Math.max(0, skip - LIST_PAGE)) : null,
    });
  }

  @Get('experiments/:name')
  @ConsolePage('One experiment: its runs, parameters side by side, metric charts')
  experiment(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: ExperimentChartQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    return this.experimentPage('experiment', ctx, name, query, req, res);
  }

  @Get('experiments/:name/compare')
  @ConsolePage('2 to 5 runs of an experiment side by side (`runs=1&runs=2`), with their metric curves')
  compare(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: ExperimentChartQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    return this.experimentPage('experiment-compare', ctx, name, query, req, res);
  }

  @Get('experiments/:name/charts/:file')
  @ChartFile(
    'An experiment chart: `curves` (a metric over steps, a line per run) or `runs` (its last value per run)',
  )
  experimentChart(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('file') file: string,
    @Query() query: ExperimentChartQuery,
    @Res() res: Response,
  ): Promise<void> {
    return this.sendExperimentChart(TenantContext.of(principal.tenant, query.bucket), name, file, query, res);
  }

  /**
   * Experiment names with a raw `/` (`/console/experiments/team/churn/compare`), as the REST routes take
   * model, script and job names: a trailing `compare` or `charts/<file>` picks the page, the rest is the
   * name. The routes above describe the pages (and take a name with `%2F`); this one only takes the paths
   * they cannot.
   */
  @Get('experiments/*path')
  @ApiExcludeEndpoint()
  experimentPath(
    @CurrentPrincipal() principal: Principal,
    @Param('path') path: string[] | string,
    @Query() query: ExperimentChartQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    const segments = segmentsOf(path);
    const charted = nameBefore(segments, 'charts', '*');
    if (charted !== undefined) return this.sendExperimentChart(ctx, charted, segments.at(-1)!, query, res);
    const compared = nameBefore(segments, 'compare');
    if (compared !== undefined)
      return this.experimentPage('experiment-compare', ctx, compared, query, req, res);
    return this.experimentPage('experiment', ctx, segments.join('/'), query, req, res);
  }

  @Get('models/:name/monitor')
  @ConsolePage("A tracked model's drift checks: drift per feature, over time, and a feature's distributions")
  monitor(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: MonitorQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return this.monitorPage(TenantContext.of(principal.tenant, query.bucket), name, query, req, res);
  }

  @Get('models/:name/monitor/charts/:file')
  @ChartFile('A monitoring chart: `drift` (per feature, with the threshold), `history` or `distribution`')
  monitorChart(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Param('file') file: string,
    @Query() query: MonitorQuery,
    @Res() res: Response,
  ): Promise<void> {
    return this.sendMonitorChart(TenantContext.of(principal.tenant, query.bucket), name, file, query, res);
  }

  /**
   * Model names with a raw `/` (`/console/models/team/churn/monitor`), as for experiments above: a
   * trailing `monitor` or `monitor/charts/<file>` picks the page, the rest is the name. The model page
   * itself (`/console/models/:name`) is elsewhere; any other path here is not found.
   */
  @Get('models/*path')
  @ApiExcludeEndpoint()
  modelPath(
    @CurrentPrincipal() principal: Principal,
    @Param('path') path: string[] | string,
    @Query() query: MonitorQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    const segments = segmentsOf(path);
    const charted = nameBefore(segments, 'monitor', 'charts', '*');
    if (charted !== undefined) return this.sendMonitorChart(ctx, charted, segments.at(-1)!, query, res);
    const monitored = nameBefore(segments, 'monitor');
    if (monitored !== undefined) return this.monitorPage(ctx, monitored, query, req, res);
    throw OmegaError.notFound(`console page /console/models/${segments.join('/')}`);
  }

  private async monitorPage(
    ctx: TenantContext,
    name: string,
    query: MonitorQuery,
    req: Request,
    res: Response,
  ): Promise<void> {
    const page = await this.pages.monitoring(ctx, name, query.feature);
    this.view.render(req, res, 'model-monitor', {
      title: `Monitoring of model ${page.model}`,
      store: 'models',
      bucket: ctx.bucket,
      ...page,
      chartQuery: chartQuery(query.bucket, {}),
      distributionQuery: chartQuery(query.bucket, { feature: page.feature }),
    });
  }

  private async sendMonitorChart(
    ctx: TenantContext,
    name: string,
    file: string,
    query: MonitorQuery,
    res: Response,
  ): Promise<void> {
    const [chart, format] = chartFile(file);
    await this.send(
      res,
      await this.pages.monitorChart(ctx, name, chart, query.feature),
      format,
      `${name}-${chart}`,
    );
  }

  /** The experiment page, or its comparison of runs. */
  private async experimentPage(
    view: 'experiment' | 'experiment-compare',
    ctx: TenantContext,
    name: string,
    query: ExperimentChartQuery,
    req: Request,
    res: Response,
  ): Promise<void> {
    if (view === 'experiment') {
      const page = await this.pages.experiment(ctx, name, query.metric);
      return this.view.render(req, res, view, {
        title: `Experiment ${name}`,
        bucket: ctx.bucket,
        ...page,
        maxCompared: MAX_COMPARED_RUNS,
        chartQuery: chartQuery(query.bucket, { metric: page.metric }),
      });
    }
    const page = await this.pages.compare(ctx, name, query.runs, query.metric);
    const runs = page.runs.map((run) => run.run);
    this.view.render(req, res, view, {
      title: `Experiment ${name}: runs ${runs.join(', ')}`,
      bucket: ctx.bucket,
      ...page,
      runNumbers: runs,
      chartQuery: chartQuery(query.bucket, { metric: page.metric, runs: runs.join(',') }),
    });
  }

  private async sendExperimentChart(
    ctx: TenantContext,
    name: string,
    file: string,
    query: ExperimentChartQuery,
    res: Response,
  ): Promise<void> {
    const [chart, format] = chartFile(file);
    if (query.runs && (query.runs.length < 1 || query.runs.length > MAX_COMPARED_RUNS))
      throw OmegaError.invalidInput(`runs: 1 to ${MAX_COMPARED_RUNS} run numbers`);
    await this.send(
      res,
      await this.pages.experimentChart(ctx, name, chart, query),
      format,
      `${name}-${chart}`,
    );
  }

  private async send(res: Response, chart: Chart, format: ChartFormat, base: string): Promise<void> {
    const body = await this.charts.render(chart, format);
    res.status(200);
    res.setHeader('Content-Type', CHART_CONTENT_TYPES[format]);
    res.setHeader('Content-Security-Policy', CHART_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    const filename = `${base.replace(/[^A-Za-z0-9_.-]+/g, '_')}.${format}`;
    // SVG and PNG show in the page (the download links carry `download`); the CSV saves as a file.
    res.setHeader(
      'Content-Disposition',
      `${format === 'csv' ? 'attachment' : 'inline'}; filename="${filename}"`,
    );
    res.send(body);
  }
}

/** A wildcard route's path as its segments, empty ones left out. */
function segmentsOf(path: string[] | string): string[] {
  return (Array.isArray(path) ? path : path.split('/')).filter((segment) => segment !== '');
}

/**
 * The name a path's segments hold before `tail` (its last segments, `*` standing for any one), or
 * undefined when they do not end so or leave no name: `team/churn/compare` before `compare` is `team/churn`.
 */
function nameBefore(segments: string[], ...tail: string[]): string | undefined {
  const at = segments.length - tail.length;
  if (at < 1 || tail.some((want, i) => want !== '*' && segments[at + i] !== want)) return undefined;
  return segments.slice(0, at).join('/');
}

function chartFile(file: string): [string, ChartFormat] {
  const match = CHART_FILE.exec(file);
  if (!match) throw OmegaError.notFound(`chart ${file} (charts are <name>.svg, .png or .csv)`);
  return [match[1], match[2] as ChartFormat];
}

/** The query string a page's chart links carry. */
function chartQuery(bucket: string | undefined, values: Record<string, string | null>): string {
  const params = new URLSearchParams();
  if (bucket) params.set('bucket', bucket);
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
