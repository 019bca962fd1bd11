import type { Row } from '@omega/client';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { ParquetColumnType, writeParquet } from './parquet';

/** The table formats `om datasets put|get` read and write. */
export const TABLE_FORMATS = ['csv', 'json', 'arrow', 'parquet'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** The format a file's extension names, or `fallback`. */
export function formatOfFile(file: string, fallback: TableFormat): TableFormat {
  const extension = extname(file).toLowerCase().slice(1);
  if (extension === 'arrow' || extension === 'arrows' || extension === 'feather') return 'arrow';
  if (extension === 'parquet' || extension === 'pq') return 'parquet';
  if (extension === 'json' || extension === 'csv') return extension;
  return fallback;
}

/** The platform's column types as Parquet column types, so a streamed write never guesses them. */
function parquetTypes(columns: { name: string; type: string }[]): Record<string, ParquetColumnType> {
  const types: Record<string, ParquetColumnType> = {};
  const byType: Record<string, ParquetColumnType> = {
    integer: 'int64',
    number: 'float64',
    string: 'utf8',
    boolean: 'bool',
    datetime: 'timestamp',
  };
  for (const column of columns) {
    const type = byType[column.type];
    if (type) types[column.name] = type;
  }
  return types;
}

/**
 * Writes a file beside its name and renames it when complete: a broken download leaves no half file
 * (and an older file of that name stays as it was).
 */
export async function writeFileWhole<T>(out: string, fill: (sink: WriteStream) => Promise<T>): Promise<T> {
  await mkdir(dirname(resolve(out)), { recursive: true });
  const partial = `${out}.partial-${process.pid}`;
  const sink = createWriteStream(partial);
  try {
    const answer = await fill(sink);
    await new Promise<void>((done, fail) =>
      sink.end((error?: Error | null) => (error ? fail(error) : done())),
    );
    await rename(partial, out);
    return answer;
  } catch (error) {
    sink.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

/**
 * Writes batches of rows as CSV, JSON (an array of rows) or Parquet, a batch at a time, to the file `out`
 * or (text formats) to `stdout`. Answers the rows written.
 */
export async function writeTable(
  batches: AsyncIterable<Row[]>,
  format: Exclude<TableFormat, 'arrow'>,
  target: { out?: string; stdout: Writable },
  columns: { name: string; type: string }[],
  /** Told the size of each piece written (for a progress bar). */
  onWrite: (bytes: number) => void = () => undefined,
): Promise<number> {
  const names = columns.map((column) => column.name);
  if (format === 'parquet') {
    if (!target.out) throw new TypeError('Parquet is written to a file');
    await mkdir(dirname(resolve(target.out)), { recursive: true });
    const summary = await writeParquet(target.out, batches, {
      columns: names.length ? names : undefined,
      types: parquetTypes(columns),
    });
    onWrite(summary.bytes);
    return summary.rows;
  }
  const fill = async (sink: Writable) => {
    let rows = 0;
    for await (const batch of batches) {
      const text =
        format === 'csv'
          ? stringifyCsv(batch, {
              header: rows === 0,
              columns: names.length ? names : Object.keys(batch[0] ?? {}),
            })
          : batch.map((row, k) => `${rows + k === 0 ? '[' : ','}${JSON.stringify(row)}\n`).join('');
      rows += batch.length;
      onWrite(Buffer.byteLength(text));
      await write(sink, text);
    }
    if (format === 'json') await write(sink, rows === 0 ? '[]\n' : ']\n');
    if (format === 'csv' && rows === 0 && names.length) await write(sink, `${names.join(',')}\n`);
    return rows;
  };
  return target.out ? writeFileWhole(target.out, fill) : fill(target.stdout);
}

/** Writes, and waits when the stream asks to (a slow pipe holds the download back). */
export function write(sink: Writable, text: string | Uint8Array): Promise<void> {
  return new Promise((done, fail) => {
    const onError = (error: Error) => fail(error);
    sink.once('error', onError);
    const more = sink.write(text);
    const finish = () => {
      sink.off('error', onError);
      done();
    };
    if (more) finish();
    else sink.once('drain', finish);
  });
}
