import { once } from 'node:events';
import { createReadStream, createWriteStream, WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { RECORD_ROW_ID, type TableReader } from '../table-reader';
import { TableQuery, TableView } from '../table-view';
import { writeWithBackpressure } from './stream-writes';

/** `[{...}, {...}]`, written chunk by chunk. */
export async function writeJsonRecords(view: TableReader, query: TableQuery, out: Writable): Promise<void> {
  let first = true;
  await writeWithBackpressure(out, '[');
  for await (const chunk of view.chunks(query)) {
    const text = JSON.stringify(chunk);
    await writeWithBackpressure(out, (first ? '' : ',') + text.slice(1, -1));
    first = false;
  }
  await writeWithBackpressure(out, ']');
}

/**
 * omega-ml's `orient=dict` shape, `{data: {column: {rowId: value}}, index: {values, type}}`. It is
 * column-major: a stored table is read by one cursor per column (same filter, sort and paging); other
 * readers (a SQL query, which need not answer twice in the same order) are read once, column by column
 * into temporary files, then streamed out.
 */
export async function writeJsonDict(view: TableReader, query: TableQuery, out: Writable): Promise<void> {
  if (!(view instanceof TableView)) return writeJsonDictOnePass(view, query, out);
  const columns = query.columns ?? view.columns;
  await writeWithBackpressure(out, '{"data":{');
  for (let index = 0; index < columns.length; index++) {
    const column = columns[index];
    await writeWithBackpressure(out, `${index > 0 ? ',' : ''}${JSON.stringify(column.name)}:{`);
    let first = true;
    for await (const pairs of view.columnValues(query, column)) {
      let text = '';
      for (const [rowId, value] of pairs) {
        text += `${first ? '' : ','}"${rowId}":${JSON.stringify(value)}`;
        first = false;
      }
      await writeWithBackpressure(out, text);
    }
    await writeWithBackpressure(out, '}');
  }
  await writeWithBackpressure(out, '},"index":{"values":[');
  let first = true;
  for await (const ids of view.rowIds(query)) {
    await writeWithBackpressure(out, (first ? '' : ',') + ids.join(','));
    first = false;
  }
  await writeWithBackpressure(out, '],"type":"Int64Index"}}');
}

/** Row ids are positions in the result (after `skip`); memory stays at one chunk, the rest is on disk. */
async function writeJsonDictOnePass(view: TableReader, query: TableQuery, out: Writable): Promise<void> {
  const columns = query.columns ?? view.columns;
  const dir = await mkdtemp(join(tmpdir(), 'omega-dict-'));
  const files = [...columns.map((_column, index) => join(dir, `c${index}`)), join(dir, 'index')];
  const spools = files.map((file) => createWriteStream(file));
  try {
    let rowId = query.skip ?? 0;
    for await (const chunk of view.chunks(query)) {
      const first = rowId === (query.skip ?? 0);
      const texts = columns.map(() => '');
      let ids = '';
      for (let row = 0; row < chunk.length; row++) {
        const record = chunk[row];
        const separator = first && row === 0 ? '' : ',';
        const id = (record as Record<symbol, unknown>)[RECORD_ROW_ID] ?? rowId;
        for (let index = 0; index < columns.length; index++) {
          texts[index] += `${separator}"${id}":${JSON.stringify(record[columns[index].name] ?? null)}`;
        }
        ids += `${separator}${id}`;
        rowId++;
      }
      await Promise.all([...texts, ids].map((text, index) => writeWithBackpressure(spools[index], text)));
    }
    await Promise.all(spools.map(finish));
    await writeWithBackpressure(out, '{"data":{');
    for (let index = 0; index < columns.length; index++) {
      await writeWithBackpressure(out, `${index > 0 ? ',' : ''}${JSON.stringify(columns[index].name)}:{`);
      await copyFile(files[index], out);
      await writeWithBackpressure(out, '}');
    }
    await writeWithBackpressure(out, '},"index":{"values":[');
    await copyFile(files[columns.length], out);
    await writeWithBackpressure(out, '],"type":"Int64Index"}}');
  } finally {
    for (const spool of spools) spool.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

async function finish(spool: WriteStream): Promise<void> {
  spool.end();
  await once(spool, 'finish');
}

async function copyFile(file: string, out: Writable): Promise<void> {
  for await (const data of createReadStream(file)) await writeWithBackpressure(out, data as Buffer);
}
