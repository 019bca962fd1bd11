import { writeArrow } from '@omega/datasets';
import { PassThrough } from 'node:stream';
import type { DenseFeatures, FeatureMatrix } from '../engine/model-engine';
import {
  batchRowsOf,
  FeatureBatch,
  matrixBatches,
  Prediction,
  PredictedBatch,
  predictBatches,
  PredictionReader,
  recordBatches,
} from './batch-predict';
import { denseRows, predictDense, rowRanges } from './batch-predict-columns';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* chunks(...sizes: number[]) {
  let row = 0;
  for (const size of sizes) yield Array.from({ length: size }, () => ({ a: row++, b: true }));
}

describe('batch predictions', () => {
  it('cuts record chunks of any size into batches of the asked rows, in order', async () => {
    const batches = await collect(recordBatches(chunks(3, 4, 1), ['a', 'b'], 3, 'X'));
    expect(batches.map((batch) => [batch.first, batch.rows.length])).toEqual([
      [0, 3],
      [3, 3],
      [6, 2],
    ]);
    expect(batches[1].rows[0]).toEqual([3, 1]);
  });

  it('names the row and column a batch cannot take', async () => {
    async function* bad() {
      yield [{ a: 1 }, { a: 2 }, { a: 'x' }];
    }
    await expect(collect(recordBatches(bad(), ['a'], 2, 'Dataset t'))).rejects.toThrow(
      'Dataset t, row 2, column a: "x" is not a finite number',
    );
    await expect(collect(recordBatches(chunks(), ['a'], 2, 'X'))).rejects.toThrow('X has no rows');
  });

  it('keeps the order of answers with calls in flight, and passes a failure on', async () => {
    const matrix = { rows: Array.from({ length: 10 }, (_, i) => [i]) };
    const slowFirst = async (batch: FeatureBatch) => {
      await new Promise((resolve) => setTimeout(resolve, batch.first === 0 ? 30 : 1));
      return batch.rows.map((row) => row[0] * 2);
    };
    const answers = await collect(predictBatches(matrixBatches(matrix, 3), slowFirst, 2));
    expect(answers.flatMap((answer) => answer.predictions)).toEqual(matrix.rows.map((row) => row[0] * 2));
    const failing = (batch: FeatureBatch) =>
      batch.first === 3 ? Promise.reject(new Error('boom')) : Promise.resolve(batch.rows.map(() => 0));
    await expect(collect(predictBatches(matrixBatches(matrix, 3), failing, 2))).rejects.toThrow('boom');
    const short = (batch: FeatureBatch) => Promise.resolve(batch.rows.slice(1).map(() => 0));
    await expect(collect(predictBatches(matrixBatches(matrix, 3), short))).rejects.toThrow(
      'the model answered 2 predictions for 3 rows',
    );
  });

  it('bounds the batch size', () => {
    expect(batchRowsOf(undefined)).toBe(16_384);
    expect(batchRowsOf('500')).toBe(500);
    expect(() => batchRowsOf(0)).toThrow('batch must be a row count');
    expect(() => batchRowsOf(1_000_000)).toThrow('batch must be a row count');
  });
});

describe('batch predictions of a stored table', () => {
  it('cuts a table into row windows, the last one short, and refuses a table without rows', async () => {
    expect(await collect(rowRanges(7, 3, 'Dataset t'))).toEqual([
      { first: 0, rowCount: 3 },
      { first: 3, rowCount: 3 },
      { first: 6, rowCount: 1 },
    ]);
    await expect(collect(rowRanges(0, 3, 'Dataset t'))).rejects.toThrow('Dataset t has no rows');
  });

  it('gives a packed batch as rows to an engine without predictDense, and as is to one with it', async () => {
    const batch = {
      columns: ['a', 'b'],
      data: Float64Array.of(1, 2, 3, 4, 5, 6),
      width: 2,
      rowCount: 2,
      first: 0,
    };
    expect(denseRows(batch)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    const rows = {
      description: { actions: [] },
      predict: async (x: FeatureMatrix) => x.rows.map((row) => row[1]),
    };
    await expect(predictDense(rows, batch, {})).resolves.toEqual([2, 4]);
    const dense = { ...rows, predictDense: async (x: DenseFeatures) => [x.rowCount, x.width] };
    await expect(predictDense(dense, batch, {})).resolves.toEqual([2, 2]);
  });
});

describe('predictions as an Arrow answer', () => {
  async function* predicted(batches: Prediction[][]): AsyncGenerator<PredictedBatch> {
    let first = 0;
    for (const predictions of batches) {
      yield { first, predictions };
      first += predictions.length;
    }
  }

  async function arrowBytes(reader: PredictionReader, columnar: boolean): Promise<Buffer> {
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (part: Buffer) => parts.push(part));
    // Without `columnChunks` the writer reads a record per row: the answer before columns were fed to it.
    const view = columnar ? reader : { columns: reader.columns, chunks: () => reader.chunks() };
    await writeArrow(view, {}, out);
    return Buffer.concat(parts);
  }

  it.each([
    [
      'numbers',
      [
        [0, 1, 2.5],
        [NaN, 7],
      ],
    ],
    ['labels', [['a', 'b'], ['c']]],
    ['vectors, one short', [[[0.1, 0.9], [0.7]], [[1, 0]]]],
    ['numbers with a null', [[1, null as unknown as number], [2]]],
  ])('answers %s byte for byte as the records did', async (_what, batches) => {
    const records = await arrowBytes(await PredictionReader.open(predicted(batches)), false);
    const columns = await arrowBytes(await PredictionReader.open(predicted(batches)), true);
    expect(records.length).toBeGreaterThan(0);
    expect(columns.equals(records)).toBe(true);
  });

  it('packs a column of numbers alone, and gives any other as values', async () => {
    const reader = await PredictionReader.open(
      predicted([
        [1, 2],
        ['x' as unknown as number, 3],
      ]),
    );
    const chunks = [];
    for await (const chunk of reader.columnChunks()) chunks.push(chunk);
    expect(chunks[0].columns[0]).toEqual({ values: Float64Array.of(1, 2), nullCount: 0 });
    expect(chunks[1].columns[0]).toEqual(['x', 3]);
  });
});
