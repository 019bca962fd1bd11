import type { Aggregate, Row } from '@omega/client';
import { tableFromJSON, tableToIPC } from 'apache-arrow';
import { Command, Option } from 'commander';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
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
    .description('store a CSV, JSON (rows or {col: [values]}) or Arrow stream file as a dataset')
    .option('--append', 'add the rows to the dataset instead of replacing it')
    .addOption(
      new Option('--format <format>', 'what the file holds (default: its extension)').choices([
        'csv',
        'json',
        'arrow',
      ]),
    )
    .action(
      async (
        file: string,
        name: string,
        options: { append?: boolean; format?: string },
        command: Command,
      ) => {
        const format = options.format ?? formatOf(file, 'csv');
        if (!['csv', 'json', 'arrow'].includes(format)) {
          throw new UsageError(
            `${file}: cannot put ${format} (csv, json or arrow; Parquet is not supported)`,
          );
        }
        const size = statSync(file).size;
        const om = await connect(command);
        const progress = new Progress(`put ${name}`, size);
        let summary;
        if (format === 'json') {
          const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
          progress.add(size);
          summary = await om.datasets.put(data as Row[], name, { append: options.append });
        } else {
          const counted = createReadStream(file).pipe(progress.counter());
          summary = await om.datasets.put(counted, name, {
            append: options.append,
            format: format as 'csv' | 'arrow',
          });
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
    .description('read a dataset: a table on the terminal, or CSV, JSON or Arrow into --out (or stdout)')
    .option('--out <file>', 'write to this file (format from its extension unless --format)')
    .addOption(new Option('--format <format>', 'csv, json or arrow').choices(['csv', 'json', 'arrow']))
    .option('--limit <n>', 'at most this many rows', (value) => positiveInt(value, '--limit'))
    .action(
      async (name: string, options: { out?: string; format?: string; limit?: number }, command: Command) => {
        const om = await connect(command);
        const format = options.format ?? (options.out ? formatOf(options.out, 'csv') : undefined);
        if (format !== undefined && !['csv', 'json', 'arrow'].includes(format)) {
          throw new UsageError(`cannot write ${format} (csv, json or arrow; Parquet is not supported)`);
        }
        const meta = await om.datasets.metadata(name);
        const total = options.limit ?? meta.kindMeta?.rows;
        const progress = new Progress(`get ${name}`);
        const rows: Row[] = [];
        for await (const chunk of om.datasets.chunks(name, { limit: options.limit })) {
          rows.push(...chunk);
          progress.add(Buffer.byteLength(JSON.stringify(chunk)), total ? rows.length / total : undefined);
        }
        if (format === undefined && !options.out) {
          progress.done();
          show(command, rows, () =>
            printTable(
              rows,
              meta.kindMeta?.columns?.map((column) => column.name),
            ),
          );
          return;
        }
        const bytes = encode(
          rows,
          format ?? 'csv',
          meta.kindMeta?.columns?.map((column) => column.name),
        );
        if (options.out) {
          await writeFile(options.out, bytes);
          progress.done();
          const answer = { name, out: resolve(options.out), format, rows: rows.length, bytes: bytes.length };
          show(command, answer, () =>
            process.stdout.write(
              `wrote ${rows.length} rows (${humanBytes(bytes.length)}, ${format}) to ${options.out}\n`,
            ),
          );
        } else {
          progress.done();
          process.stdout.write(bytes);
        }
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
}

function encode(rows: Row[], format: string, columns?: string[]): Buffer {
  if (format === 'json') return Buffer.from(`${JSON.stringify(rows)}\n`);
  if (format === 'arrow')
    return Buffer.from(tableToIPC(tableFromJSON(rows as Record<string, unknown>[]), 'stream'));
  return Buffer.from(stringifyCsv(rows, { header: true, columns: columns ?? Object.keys(rows[0] ?? {}) }));
}

function formatOf(file: string, fallback: string): string {
  const extension = extname(file).toLowerCase().slice(1);
  if (extension === 'arrow' || extension === 'arrows' || extension === 'feather') return 'arrow';
  if (extension === 'json' || extension === 'csv' || extension === 'parquet') return extension;
  return fallback;
}
