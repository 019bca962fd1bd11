import type { Aggregate, Row, TableKind } from '@omega/client';
import { Command, Option } from 'commander';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { countParquetRows } from '../formats/parquet';
import {
  formatOfFile,
  TABLE_FORMATS,
  TableFormat,
  write,
  writeFileWhole,
  writeTable,
} from '../formats/table-files';
import { humanBytes, printRecord, printTable, UsageError } from '../output';
import { Progress } from '../progress';
import type { CommandContext } from './context';
import { collect, parseJsonOption, positiveInt, splitPair } from './options';

const AGGREGATES: Aggregate[] = ['count', 'sum', 'mean', 'min', 'max'];

/** `om datasets …` */
export function addDatasets(program: Command, { connect, show }: CommandContext): void {
  const datasets = program.command('datasets').description('tables and JSON documents');

  datasets
    .command('list')
    .description('the datasets of the bucket')
    .action(async (_options, command: Command) => {
      const list = await (await connect(command)).datasets.list();
      show(command, list, () =>
        printTable(
          list.map((item) => ({
            name: item.name,
            kind: item.kind,
            rows: item.kindMeta?.rows,
            columns: item.kindMeta?.columns?.map((column) => column.name).join(','),
            modified: item.modified,
          })),
          ['name', 'kind', 'rows', 'columns', 'modified'],
        ),
      );
    });

  datasets
    .command('put <file> <name>')
    .description('store a CSV, JSON (rows or {col: [values]}), Arrow stream or Parquet file as a dataset')
    .option('--append', 'add the rows to the dataset instead of replacing it')
    .addOption(
      new Option('--format <format>', 'what the file holds (default: its extension)').choices([
        ...TABLE_FORMATS,
      ]),
    )
    .action(
      async (
        file: string,
        name: string,
        options: { append?: boolean; format?: TableFormat },
        command: Command,
      ) => {
        const format = options.format ?? formatOfFile(file, 'csv');
        const size = statSync(file).size;
        const om = await connect(command);
        const progress = new Progress(`put ${name}`, size);
        let summary;
        if (format === 'json') {
          const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
          progress.add(size);
          summary = await om.datasets.put(data as Row[], name, { append: options.append });
        } else {
          // CSV, Arrow and Parquet files go up as they are: the server writes a Parquet file into its
          // columnar parts without reading its rows one by one.
          const counted = createReadStream(file).pipe(progress.counter());
          summary = await om.datasets.put(counted, name, { append: options.append, format });
        }
        progress.done();
        show(command, summary, () =>
          process.stdout.write(
            `stored ${summary.name} (${summary.kind}, ${summary.kindMeta?.rows ?? '?'} rows)\n`,
          ),
        );
      },
    );

  datasets
    .command('get <name>')
    .description(
      'read a dataset: a table on the terminal, or CSV, JSON, Arrow or Parquet into --out (text and Arrow also to stdout)',
    )
    .option('--out <file>', 'write to this file (format from its extension unless --format)')
    .addOption(new Option('--format <format>', TABLE_FORMATS.join(', ')).choices([...TABLE_FORMATS]))
    .option('--limit <n>', 'at most this many rows', (value) => positiveInt(value, '--limit'))
    .action(
      async (
        name: string,
        options: { out?: string; format?: TableFormat; limit?: number },
        command: Command,
      ) => {
        const om = await connect(command);
        const format = options.format ?? (options.out ? formatOfFile(options.out, 'csv') : undefined);
        if (format === 'parquet' && !options.out) throw new UsageError('Parquet needs --out <file>');
        const meta = await om.datasets.metadata(name);
        const columns = meta.kindMeta?.columns ?? [];
        const total = options.limit ?? meta.kindMeta?.rows;
        const progress = new Progress(`get ${name}`);
        if (format === undefined) {
          // A table for people: the rows are collected (use --limit or --out for big tables).
          const rows: Row[] = [];
          for await (const chunk of om.datasets.chunks(name, { limit: options.limit })) rows.push(...chunk);
          progress.done();
          show(command, rows, () =>
            printTable(rows, columns.length ? columns.map((c) => c.name) : undefined),
          );
          return;
        }
        let rows = 0;
        if (format === 'parquet') {
          // The server writes the Parquet file; it is saved as it arrives, nothing decoded here.
          await writeFileWhole(options.out as string, async (sink: Writable) => {
            for await (const bytes of om.datasets.parquetBytes(name, { limit: options.limit })) {
              progress.add(bytes.length);
              await write(sink, bytes);
            }
          });
          rows = await countParquetRows(options.out as string);
        } else if (format === 'arrow') {
          // The server's Arrow stream, written as it arrives: nothing is decoded here.
          const copy = async (sink: Writable) => {
            for await (const bytes of om.datasets.arrowBytes(name, { limit: options.limit })) {
              progress.add(bytes.length);
              await write(sink, bytes);
            }
          };
          await (options.out ? writeFileWhole(options.out, copy) : copy(process.stdout));
          rows = Math.min(options.limit ?? Infinity, meta.kindMeta?.rows ?? 0);
        } else {
          async function* counted() {
            for await (const chunk of om.datasets.chunks(name, { limit: options.limit })) {
              rows += chunk.length;
              yield chunk;
            }
          }
          rows = await writeTable(
            counted(),
            format,
            { out: options.out, stdout: process.stdout },
            columns,
            (bytes) => progress.add(bytes, total ? rows / total : undefined),
          );
        }
        progress.done();
        if (!options.out) return;
        const bytes = statSync(options.out).size;
        const answer = { name, out: resolve(options.out), format, rows, bytes };
        show(command, answer, () =>
          process.stdout.write(`wrote ${rows} rows (${humanBytes(bytes)}, ${format}) to ${options.out}\n`),
        );
      },
    );

  datasets
    .command('drop <name>')
    .description('delete a dataset')
    .action(async (name: string, _options, command: Command) => {
      const answer = await (await connect(command)).datasets.drop(name);
      show(command, answer, () => process.stdout.write(`dropped ${name}\n`));
    });

  datasets
    .command('metadata <name>')
    .description("a dataset's kind, columns, rows and attributes")
    .action(async (name: string, _options, command: Command) => {
      const meta = await (await connect(command)).datasets.metadata(name);
      show(command, meta, () =>
        printRecord({
          name: meta.name,
          kind: meta.kind,
          bucket: meta.bucket,
          rows: meta.kindMeta?.rows,
          columns: meta.kindMeta?.columns?.map((column) => `${column.name}:${column.type}`).join(' '),
          attributes: meta.attributes,
          created: meta.created,
          modified: meta.modified,
        }),
      );
    });

  datasets
    .command('query <name>')
    .description('filter, sort, group and aggregate in the database')
    .option('--filter <json>', 'omega-ml filter, e.g. \'{"units__gt": 5}\'')
    .option('--columns <list>', 'comma-separated columns')
    .option('--sort <list>', "comma-separated columns, '-' for descending")
    .option('--limit <n>', 'at most this many rows', (value) => positiveInt(value, '--limit'))
    .option('--groupby <column>', 'group by this column (repeat or comma-separate)', collect, [])
    .option('--agg <column=fn>', `aggregate: ${AGGREGATES.join('|')} (repeatable)`, collect, [])
    .action(
      async (
        name: string,
        options: {
          filter?: string;
          columns?: string;
          sort?: string;
          limit?: number;
          groupby: string[];
          agg: string[];
        },
        command: Command,
      ) => {
        const agg: Record<string, Aggregate[]> = {};
        for (const spec of options.agg) {
          const [column, fn] = splitPair(spec, '--agg');
          if (!AGGREGATES.includes(fn as Aggregate)) {
            throw new UsageError(`--agg ${spec}: ${fn} is not one of ${AGGREGATES.join(', ')}`);
          }
          (agg[column] ??= []).push(fn as Aggregate);
        }
        const groupby = options.groupby.flatMap((value) => value.split(',')).filter(Boolean);
        const rows = await (
          await connect(command)
        ).datasets.query(name, {
          filter: options.filter ? parseJsonOption(options.filter, '--filter') : undefined,
          columns: options.columns?.split(','),
          sort: options.sort,
          limit: options.limit,
          groupby: groupby.length ? groupby : undefined,
          agg: Object.keys(agg).length ? agg : undefined,
        });
        show(command, rows, () => printTable(rows));
      },
    );

  datasets
    .command('sql <query>')
    .description(
      'read-only SQL (DuckDB) over the columnar tables of the bucket, by name: shown as a table, or stored with --into',
    )
    .option('--into <name>', 'store the answer as this new table instead of showing it')
    .action(async (query: string, options: { into?: string }, command: Command) => {
      const om = await connect(command);
      if (options.into) {
        const summary = await om.datasets.sqlInto(query, options.into);
        show(command, summary, () =>
          process.stdout.write(
            `stored ${summary.name} (${summary.kind}, ${summary.kindMeta?.rows ?? '?'} rows)\n`,
          ),
        );
        return;
      }
      const rows = await om.datasets.sql(query);
      show(command, rows, () => printTable(rows));
    });

  datasets
    .command('convert <name>')
    .description('rewrite a table as another table kind, under the same name')
    .addOption(
      new Option('--kind <kind>', 'the kind to turn it into')
        .choices(['table.parquet', 'table.rows'])
        .default('table.parquet'),
    )
    .action(async (name: string, options: { kind: TableKind }, command: Command) => {
      const summary = await (await connect(command)).datasets.convert(name, options.kind);
      show(command, summary, () =>
        process.stdout.write(
          `converted ${summary.name} to ${summary.kind} (${summary.kindMeta?.rows ?? '?'} rows)\n`,
        ),
      );
    });
}
