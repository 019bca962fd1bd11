import { Injectable } from '@nestjs/common';
import { MetadataRecord, OmegaError, OmegaStores, PluginRegistry, TenantContext } from '@omega/core';
import { once } from 'node:events';
import { type Readable, Writable } from 'node:stream';
import { ANSWER_MAX_BYTES, answerKey, DatasetCache, KeptAnswer } from './dataset-cache';
import { mediaTypeOf, negotiateFormat, TableFormat, uploadFormat } from './dataset-output';
import { JSON_DOCS_KIND } from './json-docs/json-docs.plugin';
import { parseDtypes } from './table-rows/column-types';
import { arrowTableSource, writeArrow } from './table-rows/formats/arrow';
import { csvTableSource, writeCsv } from './table-rows/formats/csv';
import { writeJsonDict, writeJsonRecords } from './table-rows/formats/json';
import { writeWithBackpressure } from './table-rows/formats/stream-writes';
import {
  Condition,
  parseColumns,
  parseCount,
  parseFilters,
  parseSort,
  RESERVED_PARAMS,
} from './table-rows/table-filter';
import { TABLE_ROWS_KIND } from './table-rows/table-rows.plugin';
import { DuckDbEngine } from './table-parquet/duckdb-engine';
import { ParquetUpload, PARQUET_MEDIA_TYPE, writeParquet } from './table-parquet/parquet-format';
import { DEFAULT_TABLE_KIND, TABLE_PARQUET_KIND } from './table-parquet/table-parquet.plugin';
import { SqlSandbox } from './table-parquet/sql-sandbox';
import { isTableReader, TableReader } from './table-rows/table-reader';
import { TableKindMeta } from './table-rows/table-schema';
import { TableSource } from './table-rows/table-source';
import { AGGREGATES, Aggregate, TableQuery } from './table-rows/table-view';

export const MAX_PAGE = 1000;
/**
 * Columnar tables of at most this many rows, and pages of at most this many rows of any, have their JSON
 * answers kept whole per process (by version and read options, see `DatasetCache.answer`), so a repeated
 * small read is a lookup and one write.
 */
export const SMALL_TABLE_ROWS = 1000;
const MAX_ROWS = Number.MAX_SAFE_INTEGER;
/**
 * The kind `{"sql": {...}}` bodies are stored as. Named here so such a body can never fall through to a
 * catch-all kind (json.docs would keep its password in the clear) when the SQL kind is not loaded.
 */
export const SQL_REFERENCE_KIND = 'sql.reference';
const MAX_SQLVARS = 100;

/** A SQL reference as REST sends it; the store takes it as `{sqlUrl, query, secrets}`. */
export interface DatasetSqlSpec {
  url: string;
  query: string;
  secrets?: Record<string, string>;
}

export interface DatasetPutJson {
  data?: unknown;
  sql?: DatasetSqlSpec;
  dtypes?: Record<string, string>;
  append?: boolean;
  kind?: string;
  attributes?: Record<string, unknown>;
}

export interface DatasetQueryBody {
  filter?: Record<string, unknown>;
  columns?: string[];
  sort?: string[] | string;
  skip?: number;
  limit?: number;
  groupby?: string[];
  agg?: Record<string, string | string[]>;
  /** A SQL reference's placeholder values. */
  sqlvars?: Record<string, unknown>;
}

/** A read ready to be written: the media type to announce and the writer that streams the body. */
export interface DatasetAnswer {
  mediaType: string;
  format: TableFormat;
  /** Headers to send with the answer (`X-Omega-Row-Cap` when a reader stopped at its row cap). */
  headers?: Record<string, string>;
  /** The whole body, when it is already known (a small answer): sent at once, `write` writes the same. */
  body?: Buffer;
  write(out: Writable): Promise<void>;
}

/** `POST /dataset/sql`: read-only SQL over the caller's columnar tables, answered or stored (`into`). */
export interface DatasetSqlQuery {
  query: string;
  into?: string;
}

export interface DatasetCopy {
  to: string;
  sqlvars?: Record<string, unknown>;
  append?: boolean;
}

export interface DatasetSummary {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  kindMeta: Record<string, unknown>;
  created: Date;
  modified: Date;
}

/**
 * The dataset use cases behind the REST API (and later the SDK and CLI): put from JSON or a stream,
 * read in the negotiated format with filters, query with aggregates, list, drop.
 */
@Injectable()
export class DatasetsService {
  constructor(
    private readonly stores: OmegaStores,
    private readonly registry: PluginRegistry,
    private readonly duckdb: DuckDbEngine,
    private readonly sandbox: SqlSandbox,
    private readonly cache: DatasetCache,
  ) {}

  async list(
    ctx: TenantContext,
    options: { pattern?: string; kind?: string; skip?: number; limit?: number },
  ) {
    const { items, total } = await this.stores.datasets.list(ctx, options);
    return { items: items.map((meta) => this.summary(meta)), total };
  }

  async metadata(ctx: TenantContext, name: string): Promise<DatasetSummary> {
    return this.summary(await this.cachedMetadata(ctx, name));
  }

  /** Reads go through the process's cache; every change below announces itself once stored. */
  private cachedMetadata(ctx: TenantContext, name: string): Promise<MetadataRecord> {
    return this.cache.metadata(ctx, name, () => this.stores.datasets.metadata(ctx, name));
  }

  /** Stores a change under `name` and announces it, so no process answers the previous version after. */
  private async changing(
    ctx: TenantContext,
    name: string,
    change: () => Promise<MetadataRecord>,
  ): Promise<DatasetSummary> {
    const meta = await change();
    await this.cache.changed(ctx, name);
    return this.summary(meta);
  }

  async putJson(ctx: TenantContext, name: string, body: DatasetPutJson): Promise<DatasetSummary> {
    if (body.sql !== undefined) return this.putSql(ctx, name, body);
    if (body.data === undefined) throw OmegaError.invalidInput('give data, or sql for a SQL reference');
    const dtypes = body.dtypes ? parseDtypes(body.dtypes) : undefined;
    return this.changing(ctx, name, () =>
      this.stores.datasets.put(ctx, name, body.data, {
        kind: body.kind,
        append: body.append,
        attributes: body.attributes,
        options: { dtypes },
      }),
    );
  }

  private async putSql(ctx: TenantContext, name: string, body: DatasetPutJson): Promise<DatasetSummary> {
    if (body.data !== undefined || body.dtypes !== undefined || body.append)
      throw OmegaError.invalidInput('a SQL reference takes sql only, not data, dtypes or append');
    if (body.kind !== undefined && body.kind !== SQL_REFERENCE_KIND)
      throw OmegaError.invalidInput(`sql is stored as kind ${SQL_REFERENCE_KIND}, not ${body.kind}`);
    const sql = body.sql as DatasetSqlSpec;
    const input = { sqlUrl: sql.url, query: sql.query, secrets: sql.secrets ?? {} };
    return this.changing(ctx, name, () =>
      this.stores.datasets.put(ctx, name, input, {
        kind: SQL_REFERENCE_KIND,
        attributes: body.attributes,
      }),
    );
  }

  /**
   * Copies a tabular dataset (a stored table, or a SQL reference's result) into a table of its own,
   * chunk by chunk through the table kind's own write path.
   */
  async copy(ctx: TenantContext, name: string, body: DatasetCopy): Promise<DatasetSummary> {
    const reader = await this.tableReader(ctx, name, { sqlvars: body.sqlvars });
    return this.changing(ctx, body.to, () =>
      this.stores.datasets.put(ctx, body.to, new TableSource(chunksOf(reader), dtypesOf(reader)), {
        kind: DEFAULT_TABLE_KIND,
        append: body.append,
      }),
    );
  }

  /**
   * Rewrites a table as another table kind, chunk by chunk, under the same name: the store writes the new
   * storage beside the old and swaps it in with the Metadata, so a failure leaves the table as it was.
   */
  async convert(ctx: TenantContext, name: string, kind: string): Promise<DatasetSummary> {
    const meta = await this.stores.datasets.metadata(ctx, name);
    if (meta.kind !== TABLE_ROWS_KIND && meta.kind !== TABLE_PARQUET_KIND)
      throw OmegaError.invalidInput(
        `${name} is ${meta.kind}; only tables (${TABLE_ROWS_KIND}, ${TABLE_PARQUET_KIND}) convert`,
      );
    if (meta.kind === kind) return this.summary(meta);
    const reader = await this.tableReader(ctx, name, { meta });
    return this.changing(ctx, name, () =>
      this.stores.datasets.put(ctx, name, new TableSource(chunksOf(reader), dtypesOf(reader)), { kind }),
    );
  }

  async putStream(
    ctx: TenantContext,
    name: string,
    contentType: string | undefined,
    body: Readable,
    options: { append?: boolean; dtypes?: unknown; kind?: string },
  ): Promise<DatasetSummary> {
    const format = uploadFormat(contentType);
    const dtypes = parseDtypes(options.dtypes);
    const kind = options.kind ?? DEFAULT_TABLE_KIND;
    if (kind !== TABLE_ROWS_KIND && kind !== TABLE_PARQUET_KIND)
      throw OmegaError.invalidInput(
        `a ${format} body is stored as a table (${TABLE_ROWS_KIND} or ${TABLE_PARQUET_KIND}), not ${kind}`,
      );
    const source =
      format === 'csv'
        ? csvTableSource(body, dtypes)
        : format === 'parquet'
          ? new ParquetUpload(this.duckdb, body)
          : arrowTableSource(body);
    return this.changing(ctx, name, () =>
      this.stores.datasets.put(ctx, name, source, {
        kind,
        append: options.append,
        options: { dtypes },
      }),
    );
  }

  /** GET: filters and paging from query parameters, format from Accept (or `?format=`). */
  async read(
    ctx: TenantContext,
    name: string,
    params: Record<string, unknown>,
    accept?: string,
  ): Promise<DatasetAnswer> {
    // The entry held, not a copy: it is only read here, and a small table's repeated read ends here.
    const held = await this.cache.metadata(ctx, name, () => this.stores.datasets.metadata(ctx, name), {
      shared: true,
    });
    const format = negotiateFormat(accept, params.format);
    const key = smallAnswerKey(ctx, held, format, params);
    const kept = key === undefined ? undefined : this.cache.answer(key);
    if (kept) return keptAnswer(kept, format);
    const meta = structuredClone(held);
    if (meta.kind === JSON_DOCS_KIND) {
      const filters = Object.keys(params).filter((key) => !RESERVED_PARAMS.has(key));
      if (filters.length > 0 || format !== 'json') {
        throw OmegaError.invalidInput(`${name} holds JSON documents: no filters, and JSON output only`);
      }
      const value = await this.registry.get(meta.kind, meta.prefix).get(ctx, meta, {});
      return json(value);
    }
    const view = await this.tableReader(ctx, name, { sqlvars: parseSqlvars(params.sqlvars), meta });
    const filters = Object.fromEntries(Object.entries(params).filter(([key]) => !RESERVED_PARAMS.has(key)));
    const query: TableQuery = {
      conditions: parseFilters(filters, view.columns, 'text'),
      columns: parseColumns(params.columns, view.columns),
      sort: parseSort(params.sort, view.columns),
      skip: parseCount(params.skip, 'skip', MAX_ROWS),
      limit: parseCount(params.limit, 'limit', MAX_ROWS),
    };
    const orient = params.orient ?? 'dict';
    if (orient !== 'dict' && orient !== 'records')
      throw OmegaError.invalidInput('orient must be dict or records');
    const answer = this.tableAnswer(view, query, format, orient);
    return key === undefined ? answer : this.keep(ctx, meta, key, answer);
  }

  /**
   * Writes a small table's answer into memory and keeps it, when its version is settled (all its parts
   * stored, adding up to the Metadata's rows) and the body is within the per-answer cap; an answer past the
   * cap is written again as a stream.
   */
  private async keep(
    ctx: TenantContext,
    meta: MetadataRecord,
    key: string,
    answer: DatasetAnswer,
  ): Promise<DatasetAnswer> {
    const collector = new BodyCollector(ANSWER_MAX_BYTES);
    await answer.write(collector);
    collector.end();
    await once(collector, 'finish');
    if (collector.overflow) return answer;
    const kept: KeptAnswer = { mediaType: answer.mediaType, headers: answer.headers, body: collector.body() };
    const rows = (meta.kindMeta as TableKindMeta).rows;
    const set = meta.collection as string;
    if (this.cache.settled(ctx, set, rows)) this.cache.keepAnswer(ctx, set, key, kept);
    return keptAnswer(kept, answer.format);
  }

  /** POST .../query: the same filters as JSON, plus groupby and aggregates. */
  async query(
    ctx: TenantContext,
    name: string,
    body: DatasetQueryBody,
    accept?: string,
  ): Promise<DatasetAnswer> {
    // Stored tables and SQL references alike: each pushes filters, sort, paging (and aggregates) down.
    const view = await this.tableReader(ctx, name, { sqlvars: parseSqlvars(body.sqlvars) });
    const conditions: Condition[] = parseFilters(body.filter ?? {}, view.columns, 'json');
    if (body.agg && Object.keys(body.agg).length > 0) {
      const groupby = parseColumns(body.groupby ?? [], view.columns) ?? [];
      const aggregates = Object.entries(body.agg).flatMap(([columnName, fns]) => {
        const [column] = parseColumns([columnName], view.columns) ?? [];
        return (Array.isArray(fns) ? fns : [fns]).map((fn) => {
          if (!(AGGREGATES as readonly string[]).includes(fn)) {
            throw OmegaError.invalidInput(
              `unknown aggregate ${JSON.stringify(fn)}; use one of ${AGGREGATES.join(', ')}`,
            );
          }
          return { column, fn: fn as Aggregate };
        });
      });
      if (!view.aggregate) throw OmegaError.invalidInput(`${name} cannot be aggregated`);
      return json(await view.aggregate({ conditions, groupby, aggregates }));
    }
    if (body.groupby && body.groupby.length > 0) throw OmegaError.invalidInput('groupby needs agg');
    const query: TableQuery = {
      conditions,
      columns: parseColumns(body.columns, view.columns),
      sort: parseSort(body.sort, view.columns),
      skip: body.skip,
      limit: body.limit,
    };
    return this.tableAnswer(view, query, negotiateFormat(accept, undefined), 'records');
  }

  /**
   * Runs read-only SQL over the caller's columnar tables. With `into`, the answer is stored as a new
   * columnar table (streamed, a chunk at a time) and its summary returned; otherwise it is answered in the
   * negotiated format. The query's tables are checked before anything is sent.
   */
  async sql(ctx: TenantContext, body: DatasetSqlQuery, accept?: string): Promise<DatasetAnswer> {
    if (body.into !== undefined) {
      const into = body.into;
      const summary = await this.sandbox.run(ctx, body.query, async (reader) => {
        const source = new TableSource(chunksOf(reader), dtypesOf(reader));
        return this.changing(ctx, into, () =>
          this.stores.datasets.put(ctx, into, source, { kind: TABLE_PARQUET_KIND }),
        );
      });
      return json(summary);
    }
    const format = negotiateFormat(accept, undefined);
    await this.sandbox.check(ctx, body.query);
    return {
      mediaType: mediaTypeOf(format),
      format,
      write: (out) =>
        this.sandbox.run(ctx, body.query, (reader) => {
          const answer = this.tableAnswer(reader, {}, format, 'records');
          return answer.write(out);
        }),
    };
  }

  async drop(ctx: TenantContext, name: string): Promise<void> {
    await this.stores.datasets.drop(ctx, name);
    await this.cache.changed(ctx, name);
  }

  /** Metadata as clients see it: internals and any kind's private facts (secrets) left out. */
  summary(meta: MetadataRecord): DatasetSummary {
    const summary = summarize(meta);
    const plugin = this.registry.kinds('data').includes(meta.kind)
      ? this.registry.get(meta.kind, 'data')
      : undefined;
    return plugin?.publicKindMeta ? { ...summary, kindMeta: plugin.publicKindMeta(meta) } : summary;
  }

  private tableAnswer(
    view: TableReader,
    query: TableQuery,
    format: TableFormat,
    orient: 'dict' | 'records',
  ): DatasetAnswer {
    // Known before the first row is read, so it can go in a header: at most this many rows follow.
    const capped = query.limit === undefined && view.rowCap !== undefined;
    const headers = capped ? { 'X-Omega-Row-Cap': String(view.rowCap) } : undefined;
    if (format === 'parquet') {
      const write = (out: Writable) => writeParquet(this.duckdb, view, query, out);
      return { mediaType: PARQUET_MEDIA_TYPE, format, headers, write };
    }
    return { ...formatAnswer(view, query, format, orient), headers };
  }

  /** The table behind a name; a Metadata entry already read is used as it is (one lookup per request). */
  private async tableReader(
    ctx: TenantContext,
    name: string,
    options: { sqlvars?: Record<string, unknown>; meta?: MetadataRecord },
  ): Promise<TableReader> {
    const meta = options.meta ?? (await this.cachedMetadata(ctx, name));
    const kindOptions = options.sqlvars !== undefined ? { sqlvars: options.sqlvars } : {};
    const reader = await this.registry.get(meta.kind, meta.prefix).get(ctx, meta, kindOptions);
    if (!isTableReader(reader)) throw OmegaError.invalidInput(`${name} is ${meta.kind}, not a table`);
    return reader;
  }
}

/** `?sqlvars={"region":"EU"}`: a JSON object of scalar values. */
export function parseSqlvars(raw: unknown): Record<string, unknown> | undefined {
  if (raw === undefined || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw OmegaError.invalidInput('sqlvars must be a JSON object, e.g. sqlvars={"region":"EU"}');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw OmegaError.invalidInput('sqlvars must be a JSON object of placeholder values');
  const entries = Object.entries(value);
  if (entries.length > MAX_SQLVARS)
    throw OmegaError.invalidInput(`sqlvars takes at most ${MAX_SQLVARS} values`);
  for (const [key, item] of entries) {
    if (item !== null && !['string', 'number', 'boolean'].includes(typeof item))
      throw OmegaError.invalidInput(`sqlvars.${key} must be a string, number, boolean or null`);
  }
  return value as Record<string, unknown>;
}

/** The reader's column types as a put's dtypes: a copy keeps them even where a chunk holds only nulls. */
function dtypesOf(reader: TableReader) {
  return Object.fromEntries(
    reader.columns.filter((column) => column.type !== 'null').map((column) => [column.name, column.type]),
  );
}

async function* chunksOf(reader: TableReader) {
  yield* reader.chunks();
}

/** The key a small columnar table's JSON answer is kept by; undefined for every other read. */
function smallAnswerKey(
  ctx: TenantContext,
  meta: MetadataRecord,
  format: TableFormat,
  params: Record<string, unknown>,
): string | undefined {
  if (meta.kind !== TABLE_PARQUET_KIND || format !== 'json') return undefined;
  const rows = (meta.kindMeta as TableKindMeta).rows;
  // A small table, or a page of at most as many rows (`limit=10`) of any table.
  const limit = params.limit === undefined || params.limit === '' ? undefined : Number(params.limit);
  if (rows > SMALL_TABLE_ROWS && !(limit !== undefined && limit <= SMALL_TABLE_ROWS)) return undefined;
  return answerKey(ctx, meta.collection as string, rows, format, params);
}

function keptAnswer(kept: KeptAnswer, format: TableFormat): DatasetAnswer {
  const { mediaType, headers, body } = kept;
  return {
    mediaType,
    format,
    headers,
    body,
    write: (out) => writeWithBackpressure(out, body),
  };
}

/** Collects what a writer writes, up to `cap` bytes; past it, notes the overflow and keeps nothing more. */
class BodyCollector extends Writable {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  overflow = false;

  constructor(private readonly cap: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.bytes > this.cap) {
      this.overflow = true;
      this.parts.length = 0;
    } else this.parts.push(chunk);
    callback();
  }

  body(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function json(value: unknown): DatasetAnswer {
  return {
    mediaType: 'application/json; charset=utf-8',
    format: 'json',
    write: async (out) => {
      out.write(JSON.stringify(value));
    },
  };
}

function formatAnswer(
  view: TableReader,
  query: TableQuery,
  format: TableFormat,
  orient: 'dict' | 'records',
): DatasetAnswer {
  switch (format) {
    case 'csv':
      return { mediaType: 'text/csv; charset=utf-8', format, write: (out) => writeCsv(view, query, out) };
    case 'arrow':
      return {
        mediaType: 'application/vnd.apache.arrow.stream',
        format,
        write: (out) => writeArrow(view, query, out),
      };
    default:
      return {
        mediaType: 'application/json; charset=utf-8',
        format,
        write: (out) =>
          orient === 'dict' ? writeJsonDict(view, query, out) : writeJsonRecords(view, query, out),
      };
  }
}

/** Metadata as clients see it: no storage internals (collection names, escaped keys). */
export function summarize(meta: MetadataRecord): DatasetSummary {
  let kindMeta = meta.kindMeta ?? {};
  if (meta.kind === TABLE_ROWS_KIND || meta.kind === TABLE_PARQUET_KIND) {
    const table = kindMeta as TableKindMeta;
    kindMeta = { columns: table.columns.map(({ name, type }) => ({ name, type })), rows: table.rows };
  }
  return {
    name: meta.name,
    kind: meta.kind,
    bucket: meta.bucket,
    attributes: meta.attributes ?? {},
    kindMeta,
    created: meta.created,
    modified: meta.modified,
  };
}
