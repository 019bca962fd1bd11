import { Controller, Get, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { HTTP_STATUS_BY_CODE, OmegaError, OmegaStores, TenantContext } from '@omega/core';
import { SQL_REFERENCE_KIND, TableReader } from '@omega/datasets';
import { redactUrl, SqlReferenceKindMeta } from '@omega/sql';
import type { Request, Response } from 'express';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { ListingQuery } from '../../http/console-forms';
import { ConsoleRenderer } from '../../rendering/console-renderer';
import { formatCell } from '../../rendering/view-filters';
import { namePage } from '../listing/cursor-page';
import { firstRows } from '../objects/first-rows';
import { PREVIEW_ROWS } from '../objects/object-browser';
import { ConsolePage } from '../../http/console-openapi';

/** A placeholder's form field: `v_<name>`, so they cannot collide with the page's own parameters. */
const FIELD_PREFIX = 'v_';
const MAX_VALUE = 1000;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/**
 * SQL references: the listing, and a page per reference with its connection (secrets never shown, only
 * their names), its query and placeholders, and a preview of the first rows with `sqlvars` from a form.
 * A preview is a read (GET), so readonly users may run it too; the database's statement timeout and the
 * reference's read-only session apply as to any read.
 */
@Controller('console/sql')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleSqlController {
  constructor(
    private readonly stores: OmegaStores,
    private readonly view: ConsoleRenderer,
  ) {}

  @ConsolePage('The SQL references, paged and searchable')
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListingQuery,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant);
    const page = await namePage(this.stores.datasets, ctx, 'sql', { ...query, kind: SQL_REFERENCE_KIND });
    this.view.render(req, res, 'sql-list', {
      title: 'SQL references',
      q: query.q ?? '',
      page: { ...page, items: page.items.map((meta) => ({ ...meta, sql: connectionOf(meta.kindMeta) })) },
    });
  }

  @ConsolePage('One SQL reference: its connection (secrets hidden) and query')
  @Get(':name')
  async reference(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const ctx = TenantContext.of(principal.tenant);
    const meta = await this.stores.datasets.metadata(ctx, name);
    if (meta.kind !== SQL_REFERENCE_KIND) throw OmegaError.notFound(`SQL reference ${name}`);
    const sql = connectionOf(meta.kindMeta);
    const values = placeholderValues(req.query as Record<string, unknown>, sql.placeholders);
    const data: Record<string, unknown> = {
      title: `SQL reference ${name}`,
      meta,
      sql,
      values: sql.placeholders.map((placeholder) => ({
        name: placeholder,
        field: `${FIELD_PREFIX}${placeholder}`,
        value: values.text[placeholder] ?? '',
      })),
      previewRows: PREVIEW_ROWS,
    };
    let status = 200;
    if (req.query.preview !== undefined) {
      try {
        data.preview = await this.preview(ctx, name, values.sqlvars);
      } catch (error) {
        // The database's answer (bad value, timeout, unreachable) belongs on the page with the form.
        // Anything else (a fault of the platform) takes the usual path: logged with an error id.
        const code = error instanceof OmegaError ? (HTTP_STATUS_BY_CODE[error.code] ?? 500) : 500;
        if (code === 500) throw error;
        status = code;
        data.previewError = (error as OmegaError).message;
      }
    }
    this.view.render(req, res, 'sql-reference', data, status);
  }

  /** The first rows only: the query is wrapped with a LIMIT, whatever the table's size. */
  private async preview(ctx: TenantContext, name: string, sqlvars: Record<string, unknown>) {
    const reader = await this.stores.datasets.get<TableReader>(ctx, name, { sqlvars });
    const { columns, rows } = await firstRows(reader, PREVIEW_ROWS);
    return { columns, rows: rows.map((row) => row.map(formatCell)) };
  }
}

/** What a page may show of a reference: never the encrypted secrets, only their names. */
function connectionOf(kindMeta: Record<string, unknown>) {
  const { dialect, url, query, placeholders, secretNames } = kindMeta as SqlReferenceKindMeta;
  return {
    dialect,
    url: redactUrl(String(url ?? '')),
    query,
    placeholders: placeholders ?? [],
    secretNames: secretNames ?? [],
  };
}

/**
 * The form's placeholder values: only the reference's own placeholders, as text (to fill the form again)
 * and as `sqlvars` (numbers as numbers). Values are bound as parameters by the SQL lib, never spliced.
 */
function placeholderValues(
  query: Record<string, unknown>,
  placeholders: string[],
): { text: Record<string, string>; sqlvars: Record<string, unknown> } {
  const text: Record<string, string> = {};
  const sqlvars: Record<string, unknown> = {};
  for (const placeholder of placeholders) {
    const value = query[`${FIELD_PREFIX}${placeholder}`];
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || value.length > MAX_VALUE)
      throw OmegaError.invalidInput(`${placeholder} must be one value of at most ${MAX_VALUE} characters`);
    text[placeholder] = value;
    sqlvars[placeholder] = NUMBER.test(value.trim()) ? Number(value) : value;
  }
  return { text, sqlvars };
}
