import { Controller, Get, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { TenantContext } from '@omega/core';
import { TrackedModels } from '@omega/tracking';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { BucketQuery, ObjectListQuery } from '../../http/console-forms';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { BrowsedStore, ObjectBrowser, PREVIEW_ROWS } from './object-browser';
import { ConsolePage } from '../../http/console-openapi';

const TITLES: Record<BrowsedStore, string> = { datasets: 'Datasets', models: 'Models', files: 'Files' };

/** The object browser: one listing with a search per store, and a page per object. */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleObjectsController {
  constructor(
    private readonly browser: ObjectBrowser,
    private readonly view: ConsoleRenderer,
    private readonly tracked: TrackedModels,
  ) {}

  @ConsolePage('The datasets of a bucket, paged and searchable')
  @Get('datasets')
  datasets(
    @CurrentPrincipal() p: Principal,
    @Query() q: ObjectListQuery,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.listing('datasets', p, q, req, res);
  }

  @ConsolePage('The models of a bucket, paged and searchable')
  @Get('models')
  models(
    @CurrentPrincipal() p: Principal,
    @Query() q: ObjectListQuery,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.listing('models', p, q, req, res);
  }

  @ConsolePage('The files of a bucket, paged and searchable')
  @Get('files')
  files(
    @CurrentPrincipal() p: Principal,
    @Query() q: ObjectListQuery,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.listing('files', p, q, req, res);
  }

  @ConsolePage('One dataset: its metadata and first rows')
  @Get('datasets/:name')
  async dataset(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: BucketQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    const { meta, preview } = await this.browser.dataset(ctx, name);
    this.view.render(req, res, 'dataset', {
      title: `Dataset ${meta.name}`,
      store: 'datasets',
      bucket: ctx.bucket,
      meta,
      preview,
      previewRows: PREVIEW_ROWS,
    });
  }

  @ConsolePage('One model: its metadata and versions')
  @Get('models/:name')
  async model(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: BucketQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    const model = await this.browser.model(ctx, name);
    this.view.render(req, res, 'model', {
      title: `Model ${model.meta.name}`,
      store: 'models',
      bucket: ctx.bucket,
      ...model,
      tracking: await this.tracked.link(ctx, model.meta.name),
    });
  }

  @ConsolePage('One file: its metadata and a download link')
  @Get('files/:name')
  async file(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: BucketQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    const meta = await this.browser.file(ctx, name);
    this.view.render(req, res, 'file', {
      title: `File ${meta.name}`,
      store: 'files',
      bucket: ctx.bucket,
      meta,
    });
  }

  private async listing(
    store: BrowsedStore,
    principal: Principal,
    query: ObjectListQuery,
    req: Request,
    res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant, query.bucket);
    const page = await this.browser.list(ctx, store, query);
    this.view.render(req, res, 'objects', {
      title: TITLES[store],
      store,
      bucket: ctx.bucket,
      q: query.q ?? '',
      page,
    });
  }
}
