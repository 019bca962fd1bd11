import { Readable } from 'node:stream';

/** The columns of the benchmark table: ten float columns. */
export const COLUMNS: readonly string[] = Array.from({ length: 10 }, (_unused, index) => `c${index}`);

export const DATA_SEED = 20240611;

/** One chunk of the table, column-major: `values[c][r]` is column `c` of the chunk's row `r`. */
export interface FloatChunk {
  firstRow: number;
  rows: number;
  values: Float64Array[];
}

/**
 * mulberry32: a tiny seedable generator, so every run (and every path in a run) writes the same table
 * without keeping it in memory.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The table's rows in chunks of `chunkRows`. Values are drawn row by row, so row `r` holds the same values
 * whatever the chunk size: every path stores (and must read back) the same numbers.
 */
export function* floatChunks(rows: number, chunkRows: number, seed = DATA_SEED): Generator<FloatChunk> {
  const random = mulberry32(seed);
  for (let firstRow = 0; firstRow < rows; firstRow += chunkRows) {
    const count = Math.min(chunkRows, rows - firstRow);
    const values = COLUMNS.map(() => new Float64Array(count));
    for (let row = 0; row < count; row++) {
      for (let column = 0; column < values.length; column++) values[column][row] = random() * 2000 - 1000;
    }
    yield { firstRow, rows: count, values };
  }
}

/** The chunk as records `{c0: …, c9: …}`: what the driver inserts and the store's TableSource carries. */
export function toRecords(chunk: FloatChunk): Record<string, number>[] {
  const records = new Array<Record<string, number>>(chunk.rows);
  for (let row = 0; row < chunk.rows; row++) {
    const record: Record<string, number> = {};
    for (let column = 0; column < COLUMNS.length; column++)
      record[COLUMNS[column]] = chunk.values[column][row];
    records[row] = record;
  }
  return records;
}

/** Sum of column c0 over the whole table: each read path must give it back (up to summation order). */
export function expectedChecksum(rows: number): number {
  let sum = 0;
  for (const chunk of floatChunks(rows, 50_000)) for (const value of chunk.values[0]) sum += value;
  return sum;
}

/** Checks a read got the whole table back, not just the right number of rows. */
export function assertReadBack(
  path: string,
  expected: { rows: number; checksum: number },
  got: { rows: number; checksum: number },
) {
  if (got.rows !== expected.rows)
    throw new Error(`${path}: read ${got.rows} rows, expected ${expected.rows}`);
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected.checksum)) * Math.sqrt(expected.rows);
  if (Math.abs(got.checksum - expected.checksum) > tolerance) {
    throw new Error(`${path}: sum of c0 is ${got.checksum}, expected ${expected.checksum}`);
  }
}

/** Bytes per piece of a generated file: what a client reading a file from disk would hand over. */
const FILE_PIECE_BYTES = 64 * 1024;
const FILE_POOL_BYTES = 16 * FILE_PIECE_BYTES;

/**
 * `size` deterministic pseudo-random bytes as a stream, made piece by piece as they are read: a 200 MiB
 * file never sits in memory. Pieces cycle through a seeded 1 MiB pool, each stamped with its index.
 */
export function generatedBytes(size: number, seed = DATA_SEED): Readable {
  const random = mulberry32(seed);
  const pool = Buffer.alloc(FILE_POOL_BYTES);
  for (let offset = 0; offset < pool.length; offset += 4)
    pool.writeUInt32LE(Math.floor(random() * 2 ** 32), offset);
  let sent = 0;
  let index = 0;
  return new Readable({
    highWaterMark: 4 * FILE_PIECE_BYTES,
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(FILE_PIECE_BYTES, size - sent);
      const start = (index * FILE_PIECE_BYTES) % pool.length;
      // A copy per piece: consumers (GridFS, sockets) may hold on to what they were given.
      const piece = Buffer.from(pool.subarray(start, start + length));
      if (length >= 4) piece.writeUInt32LE(index, 0);
      sent += length;
      index++;
      this.push(piece);
    },
  });
}
