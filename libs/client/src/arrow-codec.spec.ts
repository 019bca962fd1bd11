import { tableFromIPC } from 'apache-arrow';
import { Readable } from 'node:stream';
import { arrowStreamOfRows, Row, rowsOfArrowStream } from './arrow-codec';

async function collect(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(Buffer.from(part as Uint8Array));
  return Buffer.concat(parts);
}

describe('the Arrow stream codec', () => {
  const rows: Row[] = Array.from({ length: 25 }, (_, id) => ({
    id,
    x: id === 3 ? null : id / 4,
    name: `n${id}`,
    flag: id % 2 === 0,
    at: new Date(Date.UTC(2024, 0, 1 + id)),
  }));

  it('writes one IPC stream of several batches that Arrow itself reads back', async () => {
    const bytes = await collect(arrowStreamOfRows(rows, { batchRows: 10, dtypes: { id: 'int64' } }).body);
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(25);
    expect(table.batches).toHaveLength(3);
    expect(table.schema.fields.map((field) => `${field.name}:${field.type}`)).toEqual([
      'id:Int64',
      'x:Float64',
      'name:Utf8',
      'flag:Bool',
      'at:Timestamp<MILLISECOND>',
    ]);
  });

  it('reads the stream back batch by batch as the rows that went in', async () => {
    const { body } = arrowStreamOfRows(rows, { batchRows: 10, dtypes: { id: 'integer' } });
    const chunks: Row[][] = [];
    for await (const chunk of rowsOfArrowStream(body)) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.length)).toEqual([10, 10, 5]);
    expect(chunks.flat()).toEqual(rows);
  });

  it('pulls rows lazily: nothing is made before the stream is read', async () => {
    let made = 0;
    function* lazy() {
      for (let id = 0; id < 100_000; id++) {
        made++;
        yield { id };
      }
    }
    const { body } = arrowStreamOfRows(lazy(), { batchRows: 1000 });
    expect(made).toBe(0);
    const iterator = body[Symbol.asyncIterator]();
    await iterator.next();
    expect(made).toBeLessThan(20_000);
    body.destroy();
  });

  it('names the column of a value that does not fit, and refuses an empty table', async () => {
    const bad = arrowStreamOfRows([{ v: 1 }, { v: 'two' }]);
    await expect(collect(bad.body)).rejects.toThrow('column v: "two" is not a number');
    expect(bad.failure()?.message).toBe('column v: "two" is not a number');
    await expect(collect(arrowStreamOfRows([]).body)).rejects.toThrow('at least one row');
    await expect(collect(arrowStreamOfRows([{ v: 1.5 }], { dtypes: { v: 'int64' } }).body)).rejects.toThrow(
      'column v: 1.5 is not an integer',
    );
  });
});
