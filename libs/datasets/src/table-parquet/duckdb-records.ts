import { type DuckDBDataChunk, type DuckDBResult, DuckDBTypeId, type DuckDBVector } from '@duckdb/node-api';
import { type ColumnChunk, type PackedColumn, RECORD_ROW_ID } from '../table-rows/table-reader';
import type { TableRecord } from '../table-rows/table-source';

/**
 * Turns a streaming DuckDB result into record chunks of about `chunkRows`. Queries answer numbers and
 * dates as doubles (dates in epoch milliseconds), which read fast; `dated` columns become Dates. With
 * `rowIds`, the first result column is the row id, kept on each record under RECORD_ROW_ID.
 */
export async function* duckdbRecords(
  result: DuckDBResult,
  names: readonly string[],
  dated: readonly boolean[],
  options: { chunkRows: number; rowIds: boolean },
): AsyncGenerator<TableRecord[]> {
  const first = options.rowIds ? 1 : 0;
  let pending: TableRecord[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const columns = Array.from({ length: names.length + first }, (_unused, index) =>
      cellReader(chunk, index),
    );
    for (let row = 0; row < chunk.rowCount; row++) {
      const record: TableRecord = {};
      for (let index = 0; index < names.length; index++) {
        const value = columns[index + first](row);
        record[names[index]] = value === null ? null : dated[index] ? new Date(value as number) : value;
      }
      if (options.rowIds) (record as Record<symbol, unknown>)[RECORD_ROW_ID] = Number(columns[0](row));
      pending.push(record);
    }
    if (pending.length >= options.chunkRows) {
      yield pending;
      pending = [];
    }
  }
  if (pending.length > 0) yield pending;
}

/**
 * The cells of column `index` of a chunk, as DuckDB reads them (null, number, bigint, string, …): doubles and
 * 64-bit integers straight from the vector's memory, other types through DuckDB's own reader.
 */
function cellReader(chunk: DuckDBDataChunk, index: number): (row: number) => unknown {
  const raw =
    rawVector(chunk.getColumnVector(index), 'double') ?? rawVector(chunk.getColumnVector(index), 'bigint');
  if (!raw) {
    const values = chunk.getColumnValues(index);
    return (row) => values[row];
  }
  const { items, bits } = raw;
  if (!bits) return (row) => items[row];
  return (row) => (bits[row >> 3] & (1 << (row & 7)) ? items[row] : null);
}

/** How a column of a column read comes out of DuckDB: DOUBLE, BIGINT (integers, epoch-ms dates), or any. */
export type ColumnKind = 'double' | 'bigint' | 'values';

/**
 * Turns a streaming DuckDB result into column chunks of about `chunkRows` rows. `double` and `bigint`
 * columns are copied from DuckDB's vectors into typed arrays with their validity bits (what Arrow answers
 * write out as they are: no JavaScript value per cell, no garbage per row); other columns come as arrays of
 * the values DuckDB hands over.
 */
export async function* duckdbColumns(
  result: DuckDBResult,
  kinds: readonly ColumnKind[],
  chunkRows: number,
): AsyncGenerator<ColumnChunk> {
  let columns = kinds.map((kind) => newColumn(kind, chunkRows));
  let rows = 0;
  const gathered = (): ColumnChunk => {
    const batch = { rows, columns: columns.map((column) => column.finish(rows)) };
    columns = kinds.map((kind) => newColumn(kind, chunkRows));
    rows = 0;
    return batch;
  };
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    columns.forEach((column, index) => column.append(chunk, index, rows));
    rows += chunk.rowCount;
    if (rows >= chunkRows) yield gathered();
  }
  if (rows > 0) yield gathered();
}

/** DuckDB's vectors hold at most this many rows: a batch has room for one more chunk past `chunkRows`. */
const VECTOR_ROWS = 2048;

interface ColumnBuilder {
  append(chunk: DuckDBDataChunk, index: number, at: number): void;
  finish(rows: number): unknown[] | PackedColumn;
}

function newColumn(kind: ColumnKind, chunkRows: number): ColumnBuilder {
  if (kind === 'values') return new ValuesColumn();
  return new PackedBuilder(kind, chunkRows + VECTOR_ROWS);
}

class ValuesColumn implements ColumnBuilder {
  private readonly pieces: unknown[][] = [];

  append(chunk: DuckDBDataChunk, index: number): void {
    this.pieces.push(chunk.getColumnValues(index) as unknown[]);
  }

  finish(): unknown[] {
    return this.pieces.length === 1 ? this.pieces[0] : ([] as unknown[]).concat(...this.pieces);
  }
}

/** What a DuckDB numeric vector holds (not part of its typed surface): its values and validity words. */
interface VectorInternals {
  items?: unknown;
  validity?: { data?: BigUint64Array | null; offset?: number };
}

/**
 * A flat DuckDB vector's values and validity bits (least significant bit first; none when every value is
 * present), where it holds `Items`; undefined for any other vector.
 */
function rawVector(
  vector: DuckDBVector,
  kind: 'double' | 'bigint',
): { items: Float64Array | BigInt64Array; bits?: Uint8Array } | undefined {
  const { items, validity } = vector as unknown as VectorInternals;
  // Only DOUBLE and BIGINT vectors: timestamps, for one, keep 64-bit integers too, which mean other values.
  const [typeId, Expected] =
    kind === 'double' ? [DuckDBTypeId.DOUBLE, Float64Array] : [DuckDBTypeId.BIGINT, BigInt64Array];
  if (vector.type.typeId !== typeId || !(items instanceof Expected)) return undefined;
  if (!validity || (validity.offset ?? 0) !== 0) return undefined;
  const words = validity.data;
  if (!words) return { items };
  return { items, bits: new Uint8Array(words.buffer, words.byteOffset, words.byteLength) };
}

class PackedBuilder implements ColumnBuilder {
  private readonly values: Float64Array | BigInt64Array;
  private readonly validity: Uint8Array;
  private nulls = 0;

  constructor(
    private readonly kind: 'double' | 'bigint',
    capacity: number,
  ) {
    this.values = kind === 'double' ? new Float64Array(capacity) : new BigInt64Array(capacity);
    this.validity = new Uint8Array(Math.ceil(capacity / 8));
  }

  append(chunk: DuckDBDataChunk, index: number, at: number): void {
    const count = chunk.rowCount;
    const vector = chunk.getColumnVector(index);
    const raw = rawVector(vector, this.kind);
    if (raw) {
      (this.values as Float64Array).set(raw.items as Float64Array, at);
      if (!raw.bits) setBits(this.validity, at, count);
      else this.nulls += copyBits(this.validity, at, raw.bits, count);
      return;
    }
    // Any other layout: value by value, through DuckDB's own reader.
    for (let row = 0; row < count; row++) {
      const value = vector.getItem(row) as number | bigint | null;
      if (value === null) this.nulls++;
      else {
        (this.values as unknown as (number | bigint)[])[at + row] = value;
        setBits(this.validity, at + row, 1);
      }
    }
  }

  finish(rows: number): PackedColumn {
    const values = this.values.subarray(0, rows);
    if (this.nulls === 0) return { values, nullCount: 0 };
    return { values, validity: this.validity.subarray(0, Math.ceil(rows / 8)), nullCount: this.nulls };
  }
}

/** Marks `count` bits from bit `start` as present. */
function setBits(bitmap: Uint8Array, start: number, count: number): void {
  let bit = start;
  const end = start + count;
  for (; bit < end && bit % 8 !== 0; bit++) bitmap[bit >> 3] |= 1 << (bit & 7);
  const whole = (end - bit) >> 3;
  bitmap.fill(0xff, bit >> 3, (bit >> 3) + whole);
  for (bit += whole * 8; bit < end; bit++) bitmap[bit >> 3] |= 1 << (bit & 7);
}

/** Copies `count` validity bits of `source` (from its first bit) to `bitmap` at bit `start`; the nulls among them. */
function copyBits(bitmap: Uint8Array, start: number, source: Uint8Array, count: number): number {
  let present = 0;
  let row = 0;
  if (start % 8 === 0) {
    const whole = count >> 3;
    bitmap.set(source.subarray(0, whole), start >> 3);
    for (; row < whole * 8; row += 8) present += BITS_SET[source[row >> 3]];
  }
  for (; row < count; row++) {
    if (source[row >> 3] & (1 << (row & 7))) {
      const bit = start + row;
      bitmap[bit >> 3] |= 1 << (bit & 7);
      present++;
    }
  }
  return count - present;
}

/** Bits set in each byte value. */
const BITS_SET = Uint8Array.from({ length: 256 }, (_unused, byte) => {
  let bits = 0;
  for (let value = byte; value > 0; value >>= 1) bits += value & 1;
  return bits;
});
