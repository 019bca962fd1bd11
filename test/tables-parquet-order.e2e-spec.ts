import { DuckDBInstance } from '@duckdb/node-api';
import { TenantContext } from '@omega/core';
import { PARTS_COLLECTION } from '@omega/datasets';
import { RecordBatchReader } from 'apache-arrow';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'superagent';
import { startTestApp, TestApp } from './support/test-app';

/** Rows per put: each becomes one part, many DuckDB vectors long, so two threads could reorder them. */
const PART = 30_000;

/** Collects a binary answer (Arrow, Parquet) as one Buffer. */
function binary(res: Response, done: (error: Error | null, body: Buffer) => void) {
  const stream = res as unknown as NodeJS.ReadableStream;
  const parts: Buffer[] = [];
  stream.on('data', (part: Buffer) => parts.push(part));
  stream.on('end', () => done(null, Buffer.concat(parts)));
}

/** `n` of each row, in answer order: the rows' own numbers, 0 … count - 1 when in order. */
function sequence(from: number, count: number): number[] {
  return Array.from({ length: count }, (_unused, index) => from + index);
}

describe('table.parquet: reads without a sort answer rows in order', () => {
  let t: TestApp;
  const ctx = TenantContext.of('default');
  const url = '/api/v1/dataset/ordered';
  const total = 3 * PART;

  beforeAll(async () => {
    t = await startTestApp();
    // Three parts: the second adds a column, so the first is stored with other types than the later ones
    // and the relation is two scans, one after the other.
    await t.api
      .put(`${url}?kind=table.parquet`)
      .send({ data: sequence(0, PART).map((n) => ({ n })) })
      .expect(200);
    await t.api
      .put(url)
      .send({ data: sequence(PART, PART).map((n) => ({ n, s: `s${n}` })), append: true })
      .expect(200);
    await t.api
      .put(url)
      .send({ data: sequence(2 * PART, PART).map((n) => ({ n })), append: true })
      .expect(200);
  });
  afterAll(() => t.close());

  it('stores parts of two kinds', async () => {
    const meta = await t.stores.datasets.metadata(ctx, 'ordered');
    const parts = await t.databases
      .db(ctx)
      .collection(PARTS_COLLECTION)
      .find({ set: meta.collection })
      .sort({ first: 1 })
      .toArray();
    const kinds = parts.map((part) => (part.types as string[]).join());
    expect(kinds).toEqual(['BIGINT', 'BIGINT,VARCHAR', 'BIGINT,VARCHAR']);
  });

  it('answers JSON, CSV, Arrow and Parquet in row order', async () => {
    const records = await t.api.get(`${url}?orient=records`).expect(200);
    expect(records.body.map((row: { n: number }) => row.n)).toEqual(sequence(0, total));
    expect(records.body[PART + 1]).toEqual({ n: PART + 1, s: `s${PART + 1}` });
    expect(records.body[0]).toEqual({ n: 0, s: null });
    expect(records.body[2 * PART]).toEqual({ n: 2 * PART, s: null });

    const csv = await t.api.get(`${url}?columns=n`).set('Accept', 'text/csv').expect(200);
    expect(csv.text.trimEnd().split('\n').slice(1).map(Number)).toEqual(sequence(0, total));

    const arrow = await t.api
      .get(url)
      .set('Accept', 'application/vnd.apache.arrow.stream')
      .buffer(true)
      .parse(binary)
      .expect(200);
    const fromArrow: number[] = [];
    for await (const batch of await RecordBatchReader.from(arrow.body as Buffer)) {
      const n = batch.getChild('n');
      for (let row = 0; row < batch.numRows; row++) fromArrow.push(Number(n?.get(row)));
    }
    expect(fromArrow).toEqual(sequence(0, total));

    const parquet = await t.api
      .get(url)
      .set('Accept', 'application/vnd.apache.parquet')
      .buffer(true)
      .parse(binary)
      .expect(200);
    const file = join(t.config.dataDir, `ordered-${process.pid}.parquet`);
    writeFileSync(file, parquet.body as Buffer);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      // The file's own order: no ORDER BY on this side either.
      const reader = await connection.runAndReadAll(`SELECT n FROM read_parquet('${file}')`);
      expect(reader.getRows().map((row) => Number(row[0]))).toEqual(sequence(0, total));
    } finally {
      connection.closeSync();
      instance.closeSync();
      rmSync(file, { force: true });
    }
  });

  it('pages across parts and filters in row order', async () => {
    // Past the rows a process keeps for first-row reads, across the first and second part.
    const page = await t.api.get(`${url}?orient=records&columns=n&skip=${PART - 10}&limit=20`).expect(200);
    expect(page.body.map((row: { n: number }) => row.n)).toEqual(sequence(PART - 10, 20));
    const tail = await t.api.get(`${url}?orient=records&columns=n&skip=${PART + 5}`).expect(200);
    expect(tail.body.map((row: { n: number }) => row.n)).toEqual(sequence(PART + 5, total - PART - 5));
    const filtered = await t.api.get(`${url}?orient=records&columns=n&n__gte=${PART - 3}`).expect(200);
    expect(filtered.body.map((row: { n: number }) => row.n)).toEqual(sequence(PART - 3, total - PART + 3));
  });
});
