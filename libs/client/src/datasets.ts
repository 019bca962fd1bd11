import { Table } from 'apache-arrow';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  ARROW_MEDIA_TYPE,
  arrowStreamOfRows,
  arrowStreamOfTable,
  DEFAULT_BATCH_ROWS,
  Row,
  rowsOfArrowStream,
} from './arrow-codec';
import { OmegaConnectionError } from './errors';
import { HttpClient, reason } from './http';
import { listAll } from './list-all';
import type { DatasetSummary, ListOptions, ListPage, PutDatasetBody } from './types';

/** Arrays longer than this go up as an Arrow stream rather than one JSON body (the API caps JSON size). */
const JSON_ROWS_LIMIT = 50_000;
/** Apache Parquet, for uploads and answers: what pandas, pyarrow, DuckDB and Spark read and write. */
export const PARQUET_MEDIA_TYPE = 'application/vnd.apache.parquet';
/** The table kinds a table converts between. */
export type TableKind = 'table.parquet' | 'table.rows';

/** `{column: [values]}`: omega-ml's column orientation. */
export type ColumnData = Record<string, unknown[]>;

/**
 * What `put` takes: rows, columns, an Arrow table, a (lazy, possibly async) iterable of rows streamed as
 * Arrow, or the bytes of a CSV file (a Node or web stream, a Buffer) — or of an Arrow stream with
 * `format: 'arrow'`.
 */
export type DatasetInput =
  | Row[]
  | ColumnData
  | Table
  | Iterable<Row>
  | AsyncIterable<Row>
  | Readable
  | ReadableStream<Uint8Array>
  | Uint8Array;

export interface PutOptions {
  append?: boolean;
  /** Column types (`integer`, `number`, `string`, `boolean`, `datetime`; pandas names such as `int64` too). */
  dtypes?: Record<string, string>;
  /** Absent keeps, `{}` resets, `{k: v}` merges. JSON puts only. */
  attributes?: Record<string, unknown>;
  /** Force a kind, e.g. `json.docs`. JSON puts only. */
  kind?: string;
  /** What a byte input holds (default `csv`). A Parquet file is stored part by part on the server as it is. */
  format?: 'csv' | 'arrow' | 'parquet';
  /** Rows per Arrow batch when rows are streamed (default 10,000). */
  batchRows?: number;
}

/**
 * A filter as omega-ml writes it: `{column: value}` for equality, `{column__op: value}` otherwise, with op
 * one of eq ne lt lte gt gte in nin contains startswith endswith isnull.
 */
export type Filter = Record<string, unknown>;

export interface ReadOptions {
  filter?: Filter;
  columns?: string[];
  /** `'-price'` or `['region', '-price']`: `-` sorts descending. */
  sort?: string | string[];
  skip?: number;
  limit?: number;
  /** Values for a SQL reference's `{placeholders}` (bound by the database, never spliced). */
  sqlvars?: Record<string, string | number | boolean | null>;
}

export type Aggregate = 'count' | 'sum' | 'mean' | 'min' | 'max';

export interface QueryOptions extends ReadOptions {
  groupby?: string[];
  agg?: Record<string, Aggregate | Aggregate[]>;
}

/** `om.datasets`: tables (and JSON documents) in the caller's bucket. */
export class Datasets {
  constructor(private readonly http: HttpClient) {}

  async put(input: DatasetInput, name: string, options: PutOptions = {}): Promise<DatasetSummary> {
    if (input instanceof Table) return this.putStream(name, arrowStreamOfTable(input), options, 'arrow');
    if (isBytes(input)) {
      if (options.attributes !== undefined || options.kind !== undefined) {
        throw new TypeError('attributes and kind can be given with rows or columns, not with a byte stream');
      }
      const format = options.format ?? 'csv';
      const body = input instanceof Uint8Array ? Readable.from([input]) : toNodeReadable(input);
      return this.putStream(name, { body, failure: () => undefined }, options, format);
    }
    if (isRowStream(input)) {
      if (Array.isArray(input) && input.length <= JSON_ROWS_LIMIT) return this.putJson(input, name, options);
      if (options.attributes !== undefined || options.kind !== undefined) {
        throw new TypeError('attributes and kind cannot be given when rows are streamed; put them as JSON');
      }
      const stream = arrowStreamOfRows(input, {
        batchRows: options.batchRows ?? DEFAULT_BATCH_ROWS,
        dtypes: options.dtypes,
      });
      return this.putStream(name, stream, options, 'arrow');
    }
    return this.putJson(input, name, options);
  }

  /** All matching rows at once. For tables too big for memory, use `iterate` or `chunks`. */
  async get(name: string, options: ReadOptions = {}): Promise<Row[]> {
    checkOptions(options, READ_KEYS);
    if (Object.values(options).every((value) => value === undefined)) {
      return this.http.get<Row[]>('/api/v1/dataset/{name}', {
        path: { name },
        query: { orient: 'records' },
      });
    }
    return this.http.post<Row[]>('/api/v1/dataset/{name}/query', {
      path: { name },
      json: queryBody(options),
    });
  }

  /**
   * The rows of a table, one at a time, read from an Arrow stream as it arrives: memory holds one batch
   * (about 10,000 rows) however large the table is. Stop early with `break`; the request is cancelled.
   */
  async *iterate(name: string, options: ReadOptions = {}): AsyncGenerator<Row> {
    for await (const chunk of this.chunks(name, options)) yield* chunk;
  }

  /** As `iterate`, a batch of rows at a time. */
  async *chunks(name: string, options: ReadOptions = {}): AsyncGenerator<Row[]> {
    yield* rowsOfArrowStream(this.arrowBytes(name, options));
  }

  /**
   * The matching rows as the bytes of an Arrow IPC stream, as the server sends them: for writing a
   * `.arrow` file or handing to another Arrow reader without decoding the rows here.
   */
  async *arrowBytes(name: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    const answer = await this.http.request('post', '/api/v1/dataset/{name}/query', {
      path: { name },
      json: queryBody(options),
      accept: ARROW_MEDIA_TYPE,
    });
    if (!answer.body) return;
    try {
      yield* bytesOf(answer.body as WebReadableStream<Uint8Array>);
    } catch (error) {
      if (error instanceof TypeError && /terminated|other side closed/i.test(reason(error))) {
        throw new OmegaConnectionError(`reading ${name} broke off: ${reason(error)}`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * The matching rows as the bytes of one Parquet file, written by the server: for a `.parquet` file, or
   * pandas, pyarrow, DuckDB and Spark, without decoding the rows here.
   */
  async *parquetBytes(name: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    const answer = await this.http.request('post', '/api/v1/dataset/{name}/query', {
      path: { name },
      json: queryBody(options),
      accept: PARQUET_MEDIA_TYPE,
    });
    if (answer.body) yield* bytesOf(answer.body as WebReadableStream<Uint8Array>);
  }

  /**
   * Read-only SQL (DuckDB) over this bucket's columnar tables, by dataset name, e.g.
   * `SELECT region, sum(units) AS units FROM sales GROUP BY region`. The answer comes as an Arrow stream.
   */
  async sql(query: string): Promise<Row[]> {
    const answer = await this.http.request('post', '/api/v1/dataset/sql', {
      json: { query },
      accept: ARROW_MEDIA_TYPE,
    });
    const rows: Row[] = [];
    if (!answer.body) return rows;
    for await (const chunk of rowsOfArrowStream(bytesOf(answer.body as WebReadableStream<Uint8Array>)))
      rows.push(...chunk);
    return rows;
  }

  /** Stores the answer of a SQL query as a new columnar table `into` (replacing one of that name). */
  async sqlInto(query: string, into: string): Promise<DatasetSummary> {
    return this.http.post<DatasetSummary>('/api/v1/dataset/sql', { json: { query, into } });
  }

  /** Rewrites a table as the other table kind under the same name (`table.rows` ⇄ `table.parquet`). */
  async convert(name: string, kind: TableKind = 'table.parquet'): Promise<DatasetSummary> {
    return this.http.post<DatasetSummary>('/api/v1/dataset/{name}/convert', {
      path: { name },
      json: { kind },
    });
  }

  /** Filters, sort, paging, and `groupby` + `agg` (count, sum, mean, min, max) computed in the database. */
  async query(name: string, options: QueryOptions = {}): Promise<Row[]> {
    return this.http.post<Row[]>('/api/v1/dataset/{name}/query', {
      path: { name },
      json: { ...queryBody(readPart(options)), groupby: options.groupby, agg: options.agg },
    });
  }

  async metadata(name: string): Promise<DatasetSummary> {
    return this.http.get<DatasetSummary>('/api/v1/dataset/{name}/metadata', { path: { name } });
  }

  /** Every dataset (all pages), or one page when `limit`/`offset` is given. */
  async list(options: ListOptions = {}): Promise<DatasetSummary[]> {
    return listAll(
      (query) => this.http.get<ListPage<DatasetSummary>>('/api/v1/dataset', { query: { ...query } }),
      options,
    );
  }

  async drop(name: string): Promise<{ deleted: string }> {
    return this.http.delete('/api/v1/dataset/{name}', { path: { name } });
  }

  private putJson(data: unknown, name: string, options: PutOptions): Promise<DatasetSummary> {
    const body: PutDatasetBody = {
      // The document types `data` as an object; rows (an array) and any JSON are what the API takes.
      data: data as PutDatasetBody['data'],
      append: options.append,
      dtypes: options.dtypes,
      attributes: options.attributes,
      kind: options.kind,
    };
    return this.http.put<DatasetSummary>('/api/v1/dataset/{name}', { path: { name }, json: body });
  }

  private async putStream(
    name: string,
    stream: { body: Readable; failure(): Error | undefined },
    options: PutOptions,
    format: 'csv' | 'arrow' | 'parquet',
  ): Promise<DatasetSummary> {
    try {
      return await this.http.put<DatasetSummary>('/api/v1/dataset/{name}', {
        path: { name },
        query: {
          append: options.append ? 'true' : undefined,
          dtypes: options.dtypes ? JSON.stringify(options.dtypes) : undefined,
        },
        body: stream.body,
        contentType: { csv: 'text/csv', arrow: ARROW_MEDIA_TYPE, parquet: PARQUET_MEDIA_TYPE }[format],
      });
    } catch (error) {
      // The rows' own fault (a value of the wrong type, say) surfaces as a broken request: name it.
      throw stream.failure() ?? error;
    } finally {
      stream.body.destroy();
    }
  }
}

const READ_KEYS = new Set(['filter', 'columns', 'sort', 'skip', 'limit', 'sqlvars']);
const QUERY_KEYS = new Set([...READ_KEYS, 'groupby', 'agg']);

/**
 * Options are checked by name: `get('sales', { region: 'EU' })` would otherwise read every row, the
 * filter silently ignored (filters go in `{ filter: { region: 'EU' } }`).
 */
function checkOptions(options: object, known: Set<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new TypeError(
        `${key} is not a read option (${[...known].join(', ')}); filters go in { filter: { ${key}: … } }`,
      );
    }
  }
}

function readPart(options: QueryOptions): ReadOptions {
  checkOptions(options, QUERY_KEYS);
  const { groupby: _groupby, agg: _agg, ...read } = options;
  return read;
}

function queryBody(options: ReadOptions) {
  checkOptions(options, READ_KEYS);
  return {
    filter: options.filter,
    columns: options.columns,
    sort: typeof options.sort === 'string' ? options.sort.split(',') : options.sort,
    skip: options.skip,
    limit: options.limit,
    sqlvars: options.sqlvars,
  };
}

/** Byte inputs: a Node stream is always bytes (a CSV file, say); rows stream as a (async) generator. */
function isBytes(input: unknown): input is Readable | ReadableStream<Uint8Array> | Uint8Array {
  return input instanceof Uint8Array || input instanceof Readable || input instanceof ReadableStream;
}

function isRowStream(input: unknown): input is Iterable<Row> | AsyncIterable<Row> {
  if (typeof input !== 'object' || input === null) return false;
  if (Array.isArray(input)) return input.length > 0 && input.every((row) => isPlainRow(row));
  return Symbol.iterator in input || Symbol.asyncIterator in input;
}

function isPlainRow(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The bytes of a Node or web stream; text chunks (`Readable.from(['a,b\\n'])`) are sent as UTF-8. */
function toNodeReadable(input: Readable | ReadableStream<Uint8Array>): Readable {
  const source = input instanceof Readable ? input : Readable.fromWeb(input as WebReadableStream<Uint8Array>);
  async function* bytes(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source)
      yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
  }
  return Readable.from(bytes(), { objectMode: false });
}

/**
 * The body's bytes as Arrow's reader pulls them. Stopping early (a `break` in the caller's loop) returns
 * this generator, which cancels the download; Arrow's own Node-stream adapter would instead be left with a
 * read that rejects after the loop is gone.
 */
async function* bytesOf(body: WebReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
