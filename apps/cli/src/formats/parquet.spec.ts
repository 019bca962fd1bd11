import { tableFromIPC, tableToIPC, tableFromArrays } from 'apache-arrow';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as wasm from 'parquet-wasm';
import {
  countParquetRows,
  ParquetFormatError,
  readParquetBatches,
  readParquetSchema,
  Row,
  writeParquet,
} from './parquet';

async function readAll(path: string, batchSize?: number): Promise<{ rows: Row[]; sizes: number[] }> {
  const rows: Row[] = [];
  const sizes: number[] = [];
  for await (const batch of readParquetBatches(path, { batchSize })) {
    sizes.push(batch.length);
    rows.push(...batch);
  }
  return { rows, sizes };
}

describe('Parquet files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'om-parquet-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips mixed types with nulls, dates and int64', async () => {
    const rows: Row[] = [
      { id: 1, x: 0.5, name: 'a', flag: true, at: new Date('2024-01-02T03:04:05.678Z'), big: 2n ** 60n },
      { id: 2, x: null, name: null, flag: false, at: null, big: -5n },
      { id: 3, x: 2, name: 'ü ✓', flag: null, at: new Date(0), big: null },
      { id: null, x: -1.25, name: '', flag: true, at: new Date('1999-12-31T23:59:59Z'), big: 7 },
    ];
    const path = join(dir, 'mixed.parquet');
    const summary = await writeParquet(path, rows);
    expect(summary.rows).toBe(4);
    expect(summary.columns).toEqual([
      { name: 'id', type: 'int64' },
      { name: 'x', type: 'float64' },
      { name: 'name', type: 'utf8' },
      { name: 'flag', type: 'bool' },
      { name: 'at', type: 'timestamp' },
      { name: 'big', type: 'int64' },
    ]);
    expect((await readParquetSchema(path)).map((c) => `${c.name}:${c.type}`)).toEqual([
      'id:Int64',
      'x:Float64',
      'name:Utf8',
      'flag:Bool',
      'at:Timestamp<MILLISECOND, UTC>',
      'big:Int64',
    ]);
    const { rows: back } = await readAll(path);
    expect(back).toEqual([
      {
        id: 1,
        x: 0.5,
        name: 'a',
        flag: true,
        at: new Date('2024-01-02T03:04:05.678Z'),
        big: '1152921504606846976',
      },
      { id: 2, x: null, name: null, flag: false, at: null, big: -5 },
      { id: 3, x: 2, name: 'ü ✓', flag: null, at: new Date(0), big: null },
      { id: null, x: -1.25, name: '', flag: true, at: new Date('1999-12-31T23:59:59Z'), big: 7 },
    ]);
  });

  it('keeps the given column order and types, and writes missing keys as nulls', async () => {
    const path = join(dir, 'columns.parquet');
    await writeParquet(
      path,
      [
        { a: 1, b: 'x' },
        { b: 'y', c: true },
      ],
      {
        columns: ['c', 'a'],
        types: { a: 'float64' },
      },
    );
    expect(await readParquetSchema(path)).toEqual([
      { name: 'c', type: 'Bool' },
      { name: 'a', type: 'Float64' },
    ]);
    expect((await readAll(path)).rows).toEqual([
      { c: null, a: 1 },
      { c: true, a: null },
    ]);
    // The third argument may be just the column names.
    await writeParquet(path, [{ a: 1, b: 'x' }], ['b']);
    expect((await readAll(path)).rows).toEqual([{ b: 'x' }]);
  });

  it('writes mixed-kind and all-null columns as strings', async () => {
    const path = join(dir, 'loose.parquet');
    const summary = await writeParquet(path, [
      { m: 1, n: null, o: { k: [1, 2] } },
      { m: 'two', n: null, o: null },
    ]);
    expect(summary.columns.map((c) => c.type)).toEqual(['utf8', 'utf8', 'utf8']);
    expect((await readAll(path)).rows).toEqual([
      { m: '1', n: null, o: '{"k":[1,2]}' },
      { m: 'two', n: null, o: null },
    ]);
  });

  it('writes 200k rows from batches and reads them back in batches', async () => {
    const path = join(dir, 'big.parquet');
    const total = 200_000;
    async function* batches(): AsyncGenerator<Row[]> {
      for (let start = 0; start < total; start += 25_000) {
        yield Array.from({ length: 25_000 }, (_, k) => {
          const i = start + k;
          return {
            i,
            x: i / 8,
            s: i % 10 === 0 ? null : `row ${i}`,
            at: new Date(1_700_000_000_000 + i * 1000),
          };
        });
      }
    }
    const summary = await writeParquet(path, batches(), { rowGroupSize: 50_000 });
    expect(summary.rows).toBe(total);
    expect(await countParquetRows(path)).toBe(total);
    const file = await wasm.ParquetFile.fromFile(new Blob([readFileSync(path)]));
    expect(file.metadata().numRowGroups()).toBe(4);
    file.free();

    let count = 0;
    const sizes: number[] = [];
    for await (const batch of readParquetBatches(path, { batchSize: 30_000 })) {
      sizes.push(batch.length);
      for (const row of batch) {
        const i = count++;
        if (row.i !== i || row.x !== i / 8 || row.s !== (i % 10 === 0 ? null : `row ${i}`)) {
          throw new Error(`row ${i} differs: ${JSON.stringify(row)}`);
        }
        if ((row.at as Date).getTime() !== 1_700_000_000_000 + i * 1000) throw new Error(`row ${i}: at`);
      }
    }
    expect(count).toBe(total);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(30_000);
    expect(sizes.length).toBeGreaterThan(1);
    // No temporary file is left beside it.
    expect(readdirSync(dir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('stops reading when the loop breaks off', async () => {
    const path = join(dir, 'big.parquet');
    let batches = 0;
    for await (const batch of readParquetBatches(path, { batchSize: 1000 })) {
      expect(batch).toHaveLength(1000);
      if (++batches === 2) break;
    }
    expect(batches).toBe(2);
  });

  it('selects columns when reading', async () => {
    const path = join(dir, 'mixed.parquet');
    const rows: Row[] = [];
    for await (const batch of readParquetBatches(path, { columns: ['name', 'id'] })) rows.push(...batch);
    expect(rows[0]).toEqual({ name: 'a', id: 1 });
  });

  it('fails clearly on a file that is not Parquet', async () => {
    const path = join(dir, 'not.parquet');
    writeFileSync(path, 'a,b\n1,2\n');
    await expect(readAll(path)).rejects.toThrow(ParquetFormatError);
    await expect(readAll(path)).rejects.toThrow(/not a Parquet file/);
    writeFileSync(path, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(20, 7), Buffer.from('PAR1')]));
    await expect(readAll(path)).rejects.toThrow(/cannot read Parquet metadata/);
    await expect(readAll(join(dir, 'missing.parquet'))).rejects.toThrow(/ENOENT/);
  });

  it('fails clearly on a value that does not fit its column, leaving no file', async () => {
    const path = join(dir, 'bad.parquet');
    async function* batches(): AsyncGenerator<Row[]> {
      yield [{ n: 1 }, { n: 2 }];
      yield [{ n: 2.5 }];
    }
    await expect(writeParquet(path, batches(), { sampleRows: 2 })).rejects.toThrow(
      /column n, row 2: 2.5 is not an integer/,
    );
    expect(readdirSync(dir).filter((name) => name.startsWith('bad.parquet'))).toEqual([]);
  });

  it('writes a file with columns and no rows', async () => {
    const path = join(dir, 'empty.parquet');
    await writeParquet(path, [], { columns: ['a', 'b'], types: { a: 'int64' } });
    expect(await readParquetSchema(path)).toEqual([
      { name: 'a', type: 'Int64' },
      { name: 'b', type: 'Utf8' },
    ]);
    expect((await readAll(path)).rows).toEqual([]);
    await expect(writeParquet(path, [])).rejects.toThrow(/no columns/);
  });

  it('interoperates with apache-arrow through Arrow IPC in both directions', async () => {
    // apache-arrow -> parquet-wasm -> Parquet -> readParquetBatches
    const table = tableFromArrays({
      f: Float32Array.from([1.5, 2.5]),
      i: Int32Array.from([7, 8]),
      u: BigUint64Array.from([1n, 2n ** 63n]),
      s: ['x', 'y'],
    });
    const path = join(dir, 'from-arrow.parquet');
    writeFileSync(path, wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(table, 'stream'))));
    expect((await readAll(path)).rows).toEqual([
      { f: 1.5, i: 7, u: 1, s: 'x' },
      { f: 2.5, i: 8, u: '9223372036854775808', s: 'y' },
    ]);
    // writeParquet -> parquet-wasm -> Arrow IPC -> apache-arrow
    const back = tableFromIPC(wasm.readParquet(readFileSync(join(dir, 'mixed.parquet'))).intoIPCStream());
    expect(back.numRows).toBe(4);
    expect(back.getChild('name')?.toArray()).toEqual(['a', null, 'ü ✓', '']);
  });
});
