import { OmegaError, OmegaStores, TenantContext } from '@omega/core';
import {
  ArrowTableSource,
  ColumnChunk,
  ColumnSchema,
  ColumnType,
  DatasetCache,
  isPackedColumn,
  PackedColumn,
  RECORD_ROW_ID,
  TABLE_PARQUET_KIND,
  TableReader,
  TableRecord,
  typeOfValue,
} from '@omega/datasets';
import {
  DataType,
  Field,
  Float64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import type { FeatureMatrix } from '../engine/model-engine';

/** Rows per model call when the caller does not say (`?batch=`): large enough for throughput. */
export const DEFAULT_BATCH_ROWS = 16_384;
export const MAX_BATCH_ROWS = 65_536;
/** The task action of a prediction over a whole table written into a dataset (`?datax=&result=`). */
export const BATCH_PREDICT_TASK = 'model.batch_predict';
/** The task action of one batch of a stored table's rows, predicted where the task runs (a streamed answer). */
export const BATCH_PREDICT_ROWS_TASK = 'model.batch_predict_rows';

export type Prediction = number | string | number[];

/** One batch of features and where it starts in the input. */
export interface FeatureBatch extends FeatureMatrix {
  first: number;
}

/** A batch known by its rows alone: where it starts in the input and how many rows it has. */
export interface RowRange {
  first: number;
  rowCount: number;
}

/** Rows of a batch, whether it carries its rows or only counts them. */
export function rowCountOf(batch: FeatureBatch | RowRange): number {
  return 'rowCount' in batch ? batch.rowCount : batch.rows.length;
}

export interface PredictedBatch {
  first: number;
  predictions: Prediction[];
}

/** What a prediction stored as a dataset answers (and an async task's result). */
export interface BatchPredictSummary {
  model: string;
  dataset: string;
  rows: number;
  batches: number;
  columns: string[];
}

/** `?batch=` as a row count, bounded. */
export function batchRowsOf(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_BATCH_ROWS;
  const rows = Number(value);
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_BATCH_ROWS)
    throw OmegaError.invalidInput(`batch must be a row count from 1 to ${MAX_BATCH_ROWS}`);
  return rows;
}

/** One record as a row of numbers in `columns` order; booleans count 0/1, anything else is refused. */
export function recordRow(
  record: TableRecord,
  columns: readonly string[],
  what: string,
  row: number,
): number[] {
  const values = new Array<number>(columns.length);
  for (let j = 0; j < columns.length; j++) {
    const value = record[columns[j]];
    if (typeof value === 'number' && Number.isFinite(value)) values[j] = value;
    else if (typeof value === 'boolean') values[j] = value ? 1 : 0;
    else
      throw OmegaError.invalidInput(
        `${what}, row ${row}, column ${columns[j]}: ${JSON.stringify(value) ?? 'missing'} is not a finite number`,
      );
  }
  return values;
}

/**
 * Record chunks (any size) as feature batches of `batchRows` rows. Only one batch is held: records are
 * converted as they arrive and the chunk they came in is dropped.
 */
export async function* recordBatches(
  chunks: AsyncIterable<TableRecord[]>,
  columns: readonly string[] | undefined,
  batchRows: number,
  what: string,
  start = 0,
): AsyncGenerator<FeatureBatch> {
  let names = columns;
  let rows: number[][] = [];
  let first = start;
  for await (const chunk of chunks) {
    for (const record of chunk) {
      names ??= Object.keys(record);
      rows.push(recordRow(record, names, what, first + rows.length));
      if (rows.length === batchRows) {
        yield { columns: [...names], rows, first };
        first += rows.length;
        rows = [];
      }
    }
  }
  if (rows.length > 0 || first === start) {
    if (rows.length === 0) throw OmegaError.invalidInput(`${what} has no rows`);
    yield { columns: names ? [...names] : undefined, rows, first };
  }
}

/** An inline matrix cut into batches (the body is parsed already; the model sees it a batch at a time). */
export async function* matrixBatches(matrix: FeatureMatrix, batchRows: number): AsyncGenerator<FeatureBatch> {
  for (let first = 0; first < matrix.rows.length; first += batchRows) {
    yield { columns: matrix.columns, rows: matrix.rows.slice(first, first + batchRows), first };
  }
}

/**
 * Runs `predict` over the batches in order, with up to `inFlight` calls running at once (a worker with
 * several slots, or the next batch read while the model runs); at most `inFlight` batches are held.
 */
export async function* predictBatches<Batch extends FeatureBatch | RowRange>(
  batches: AsyncIterable<Batch>,
  predict: (batch: Batch) => Promise<unknown>,
  inFlight = 1,
): AsyncGenerator<PredictedBatch> {
  const pending: Array<Promise<PredictedBatch>> = [];
  const run = async (batch: Batch): Promise<PredictedBatch> => {
    const predictions = await predict(batch);
    const rows = rowCountOf(batch);
    if (!Array.isArray(predictions) || predictions.length !== rows)
      throw new Error(
        `the model answered ${Array.isArray(predictions) ? predictions.length : typeof predictions} predictions for ${rows} rows`,
      );
    return { first: batch.first, predictions: predictions as Prediction[] };
  };
  try {
    for await (const batch of batches) {
      const next = run(batch);
      // Settled later in order; a failure is seen when its turn comes, not as an unhandled rejection.
      next.catch(() => undefined);
      pending.push(next);
      if (pending.length >= inFlight) yield await (pending.shift() as Promise<PredictedBatch>);
    }
    while (pending.length > 0) yield await (pending.shift() as Promise<PredictedBatch>);
  } finally {
    await Promise.allSettled(pending);
  }
}

/** `prediction` for one value per row, `prediction_0 … prediction_k` for a vector per row. */
function predictionColumns(sample: Prediction): ColumnSchema[] {
  if (Array.isArray(sample))
    return sample.map((_value, index) => ({ name: `prediction_${index}`, type: 'number' }) as ColumnSchema);
  return [{ name: 'prediction', type: typeof sample === 'string' ? 'string' : 'number' } as ColumnSchema];
}

/** The value of prediction column `j` in one row, as a record of the row holds it. */
function predictionValue(value: Prediction, j: number): unknown {
  if (Array.isArray(value)) return value[j] ?? null;
  return j === 0 ? value : undefined;
}

/**
 * Prediction column `j` of a batch: packed into a Float64Array when it is a number column of numbers
 * alone (the common case: no JavaScript value per cell on the way out), else its values as records hold
 * them.
 */
function predictionColumn(
  predictions: readonly Prediction[],
  column: ColumnSchema,
  j: number,
): unknown[] | PackedColumn {
  const rows = predictions.length;
  if (column.type === 'number') {
    const values = new Float64Array(rows);
    let row = 0;
    for (; row < rows; row++) {
      const value = predictionValue(predictions[row], j);
      if (typeof value !== 'number') break;
      values[row] = value;
    }
    if (row === rows) return { values, nullCount: 0 };
  }
  const values = new Array<unknown>(rows);
  for (let row = 0; row < rows; row++) values[row] = predictionValue(predictions[row], j);
  return values;
}

function predictionRecords(batch: PredictedBatch, names: readonly string[]): TableRecord[] {
  return batch.predictions.map((value, index) => {
    const record: TableRecord = {};
    if (Array.isArray(value)) names.forEach((name, j) => (record[name] = value[j] ?? null));
    else record[names[0]] = value;
    (record as Record<symbol, unknown>)[RECORD_ROW_ID] = batch.first + index;
    return record;
  });
}

/**
 * Predictions as a table reader the dataset formats (JSON, CSV, Arrow, Parquet) and the store read: the
 * first batch is predicted before this answers, so bad input (a missing column, text in a feature) is a
 * 4xx before any byte is sent. It is read once.
 */
export class PredictionReader implements TableReader {
  readonly columns: readonly ColumnSchema[];
  rows = 0;
  batches = 0;

  private constructor(
    private readonly head: PredictedBatch,
    private readonly rest: AsyncGenerator<PredictedBatch>,
  ) {
    this.columns = predictionColumns(head.predictions[0] ?? 0);
  }

  static async open(predicted: AsyncGenerator<PredictedBatch>): Promise<PredictionReader> {
    const first = await predicted.next();
    if (first.done) throw OmegaError.invalidInput('X has no rows');
    return new PredictionReader(first.value, predicted);
  }

  /** The predictions alone, batch by batch. */
  async *predictions(): AsyncGenerator<Prediction[]> {
    for await (const batch of this.predicted()) yield batch.predictions;
  }

  /** A record per row: for the writers that take nothing else (CSV, JSON records and dict, Parquet). */
  async *chunks(): AsyncGenerator<TableRecord[]> {
    const names = this.columns.map((column) => column.name);
    for await (const batch of this.predicted()) yield predictionRecords(batch, names);
  }

  /** The same rows as `chunks`, a column per prediction column and a chunk per batch (Arrow answers). */
  async *columnChunks(): AsyncGenerator<ColumnChunk> {
    for await (const { predictions } of this.predicted())
      yield {
        rows: predictions.length,
        columns: this.columns.map((column, j) => predictionColumn(predictions, column, j)),
      };
  }

  private async *predicted(): AsyncGenerator<PredictedBatch> {
    const count = (batch: PredictedBatch) => {
      this.rows += batch.predictions.length;
      this.batches += 1;
      return batch;
    };
    yield count(this.head);
    for await (const batch of this.rest) yield count(batch);
  }
}

/**
 * Predictions as Arrow record batches, one per predicted batch, for the columnar table's writer, which
 * takes them a column at a time: no record per row. Columns keep the types of `columns` (declared to the
 * store as well); a value a column cannot take is refused as the record path refuses it.
 */
class PredictionBatches extends ArrowTableSource {
  constructor(
    predictions: PredictionReader,
    override readonly dtypes: Record<string, ColumnType>,
  ) {
    super(arrowPredictions(predictions));
  }
}

async function* arrowPredictions(predictions: PredictionReader): AsyncGenerator<RecordBatch> {
  const types = predictions.columns.map((column) => (column.type === 'number' ? new Float64() : new Utf8()));
  const schema = new Schema(predictions.columns.map((column, j) => new Field(column.name, types[j], true)));
  let first = 0;
  for await (const chunk of predictions.columnChunks()) {
    const children = chunk.columns.map((values, j) => {
      if (isPackedColumn(values))
        return makeData({
          type: types[j] as Float64,
          length: chunk.rows,
          data: values.values as Float64Array,
        });
      return vectorFromArray(checkedValues(values, predictions.columns[j], first), types[j] as DataType)
        .data[0];
    });
    const data = makeData({ type: new Struct(schema.fields), length: chunk.rows, nullCount: 0, children });
    yield new RecordBatch(schema, data);
    first += chunk.rows;
  }
}

/** Values of a column that is not all numbers: nulls, and values of the column's type, or a 400. */
function checkedValues(values: unknown[], column: ColumnSchema, first: number): unknown[] {
  return values.map((value, row) => {
    const type = typeOfValue(value);
    if (type === 'null') return null;
    if (type === column.type || (column.type === 'number' && type === 'integer')) return value;
    throw OmegaError.invalidInput(
      `column ${JSON.stringify(column.name)} row ${first + row}: expected ${column.type}, got ${type ?? typeof value}`,
    );
  });
}

/**
 * Writes predictions into the dataset `name` as a columnar table, parts written as batches arrive, a
 * column at a time. The store writes beside the previous version and swaps only when every part is
 * stored: a failing batch leaves no dataset (or the previous one) and removes the parts it wrote.
 */
export async function storePredictions(
  stores: OmegaStores,
  cache: DatasetCache,
  ctx: TenantContext,
  model: string,
  name: string,
  predictions: PredictionReader,
): Promise<BatchPredictSummary> {
  const types = Object.fromEntries(predictions.columns.map((column) => [column.name, column.type]));
  await stores.datasets.put(ctx, name, new PredictionBatches(predictions, types), {
    kind: TABLE_PARQUET_KIND,
  });
  await cache.changed(ctx, name);
  return {
    model,
    dataset: name,
    rows: predictions.rows,
    batches: predictions.batches,
    columns: predictions.columns.map((column) => column.name),
  };
}
