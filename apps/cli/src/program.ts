import { Omega, type ActionParams, type Aggregate, type ModelData, type Row } from '@omega/client';
import { tableFromJSON, tableToIPC } from 'apache-arrow';
import { Command, Option } from 'commander';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { humanBytes, printJson, printRecord, printTable, UsageError } from './output';
import { Progress } from './progress';

interface GlobalOptions {
  bucket?: string;
  qualifier?: string;
  json?: boolean;
  url?: string;
  userid?: string;
  apikey?: string;
}

const ACTIONS = ['fit', 'partial_fit', 'predict', 'predict_proba', 'score', 'transform'] as const;
type Action = (typeof ACTIONS)[number];
const AGGREGATES: Aggregate[] = ['count', 'sum', 'mean', 'min', 'max'];

/** `om`: the platform from the shell, a thin layer over @omega/client. */
export function buildProgram(): Command {
  const program = new Command('om')
    .description('omega-ts from the command line: datasets, files, models and the runtime')
    .option('--bucket <name>', 'the bucket to work in (default: default)')
    .option('--qualifier <name>', "the tenant's environment (default: default)")
    .option('--json', 'machine output: exactly one JSON document on stdout')
    .option('--url <url>', 'the platform (else OMEGA_URL, else .omega/credentials.json)')
    .option('--userid <userid>', 'who you are (else OMEGA_USERID, else .omega/credentials.json)')
    .option('--apikey <key>', 'your API key (else OMEGA_APIKEY, else .omega/credentials.json)')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 the server answered an error, 2 usage error, 3 cannot connect, 4 not found, ' +
        '5 unauthorized.',
    );

  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();
  const connect = (command: Command) => {
    const options = globals(command);
    return Omega.connect({
      url: options.url,
      userid: options.userid,
      apikey: options.apikey,
      bucket: options.bucket,
      qualifier: options.qualifier,
    });
  };
  /** `--json` prints the value; otherwise `human` does. */
  const show = (command: Command, value: unknown, human: () => void) =>
    globals(command).json ? printJson(value) : human();

  program
    .command('ping')
    .description('is the API up? (no credentials needed)')
    .action(async (_options, command: Command) => {
      const base = (globals(command).url ?? process.env.OMEGA_URL ?? 'http://127.0.0.1:5000').replace(
        /\/$/,
        '',
      );
      let response: Response;
      try {
        response = await fetch(`${base}/api/v1/ping`);
      } catch (error) {
        const { OmegaConnectionError } = await import('@omega/client');
        throw new OmegaConnectionError(`GET ${base}/api/v1/ping failed: ${(error as Error).message}`);
      }
      const body = (await response.json()) as Record<string, unknown>;
      show(command, body, () => printRecord(body));
    });

  program
    .command('login')
    .description(
      'check --url/--userid/--apikey and save them in .omega/credentials.json (or $OMEGA_DATA_DIR)',
    )
    .action(async (_options, command: Command) => {
      const options = globals(command);
      if (!options.userid || !options.apikey) throw new UsageError('login needs --userid and --apikey');
      const om = await connect(command);
      const folder = process.env.OMEGA_DATA_DIR ? resolve(process.env.OMEGA_DATA_DIR) : resolve('.omega');
      const path = join(folder, 'credentials.json');
      await mkdir(folder, { recursive: true });
      // Keep what else the file holds (the API writes the admin's password there at its first start).
      let existing: Record<string, unknown> = {};
      if (existsSync(path)) {
        try {
          const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
            existing = parsed as Record<string, unknown>;
        } catch {
          existing = {};
        }
      }
      const saved = {
        ...existing,
        url: om.url,
        userid: om.userid,
        apikey: options.apikey,
        tenant: om.tenant,
      };
      await writeFile(path, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
      await chmod(path, 0o600);
      const answer = { url: om.url, userid: om.userid, tenant: om.tenant, credentials: path };
      show(command, answer, () =>
        process.stdout.write(`logged in as ${om.userid} (tenant ${om.tenant}) at ${om.url}\nsaved ${path}\n`),
      );
    });

  const config = program.command('config').description('the connection in use');
  config
    .command('show')
    .description('url, userid, tenant, bucket and qualifier (never the key)')
    .action(async (_options, command: Command) => {
      const om = await connect(command);
      const answer = {
        url: om.url,
        userid: om.userid,
        tenant: om.tenant,
        bucket: om.bucketName,
        qualifier: om.qualifierName,
      };
      show(command, answer, () => printRecord(answer));
    });

  addDatasets(program, connect, show);
  addFiles(program, connect, show);
  addModels(program, connect, show);
  addRuntime(program, connect, show);
  return program;
}

type Connect = (command: Command) => Promise<Omega>;
type Show = (command: Command, value: unknown, human: () => void) => void;

function addDatasets(program: Command, connect: Connect, show: Show): void {
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

function addFiles(program: Command, connect: Connect, show: Show): void {
  const files = program.command('files').description('binary files of any size');

  files
    .command('list')
    .description('the files of the bucket')
    .action(async (_options, command: Command) => {
      const list = await (await connect(command)).files.list();
      show(command, list, () =>
        printTable(
          list.map((item) => ({
            name: item.name,
            size: item.size,
            contentType: item.contentType,
            modified: item.modified,
          })),
          ['name', 'size', 'contentType', 'modified'],
        ),
      );
    });

  files
    .command('put <path> <name>')
    .description('upload a file')
    .option('--content-type <type>', 'its media type (default application/octet-stream)')
    .action(async (path: string, name: string, options: { contentType?: string }, command: Command) => {
      const size = statSync(path).size;
      const om = await connect(command);
      const progress = new Progress(`put ${name}`, size);
      const summary = await om.files.put(name, createReadStream(path).pipe(progress.counter()), {
        contentType: options.contentType,
      });
      progress.done();
      show(command, summary, () =>
        process.stdout.write(
          `stored ${summary.name} (${humanBytes(summary.size)}, sha256 ${summary.sha256})\n`,
        ),
      );
    });

  files
    .command('get <name>')
    .description('download a file to --out (or stdout)')
    .option('--out <file>', 'write to this file')
    .action(async (name: string, options: { out?: string }, command: Command) => {
      const om = await connect(command);
      const meta = await om.files.metadata(name);
      const progress = new Progress(`get ${name}`, meta.size);
      const body = await om.files.get(name);
      if (options.out) {
        await mkdir(dirname(resolve(options.out)), { recursive: true });
        await pipeline(body, progress.counter(), createWriteStream(options.out));
        progress.done();
        const answer = { name, out: resolve(options.out), bytes: progress.bytes, sha256: meta.sha256 };
        show(command, answer, () =>
          process.stdout.write(`wrote ${humanBytes(progress.bytes)} to ${options.out}\n`),
        );
      } else {
        const stdout = new Writable({
          write: (chunk: Buffer, _encoding, done) =>
            process.stdout.write(chunk) ? done() : process.stdout.once('drain', () => done()),
        });
        await pipeline(body, progress.counter(), stdout);
        progress.done();
      }
    });

  files
    .command('drop <name>')
    .description('delete a file')
    .action(async (name: string, _options, command: Command) => {
      const answer = await (await connect(command)).files.drop(name);
      show(command, answer, () => process.stdout.write(`dropped ${name}\n`));
    });
}

function addModels(program: Command, connect: Connect, show: Show): void {
  const models = program.command('models').description('stored models and their versions');
  const describe = (command: Command, model: Awaited<ReturnType<Omega['models']['metadata']>>) =>
    show(command, model, () =>
      printRecord({
        name: model.name,
        kind: model.kind,
        bucket: model.bucket,
        latest: model.kindMeta?.latest,
        attributes: model.attributes,
        created: model.created,
        modified: model.modified,
      }),
    );

  models
    .command('list')
    .description('the models of the bucket')
    .action(async (_options, command: Command) => {
      const list = await (await connect(command)).models.list();
      show(command, list, () =>
        printTable(
          list.map((item) => ({
            name: item.name,
            kind: item.kind,
            latest: item.kindMeta?.latest,
            modified: item.modified,
          })),
          ['name', 'kind', 'latest', 'modified'],
        ),
      );
    });

  models
    .command('put <file> <name>')
    .description(
      'store an ONNX file, or create a model from a spec.json ({"algorithm": ..., "params": {...}})',
    )
    .option('--tag <tag>', 'tag this version (repeatable)', collect, [])
    .option('--attributes <json>', 'attributes, e.g. \'{"require": "gpu"}\'')
    .action(
      async (
        file: string,
        name: string,
        options: { tag: string[]; attributes?: string },
        command: Command,
      ) => {
        const attributes = options.attributes
          ? parseJsonOption(options.attributes, '--attributes')
          : undefined;
        const tags = options.tag.length ? options.tag : undefined;
        const om = await connect(command);
        let model;
        if (extname(file).toLowerCase() === '.json') {
          const spec = JSON.parse(readFileSync(file, 'utf8')) as {
            algorithm?: unknown;
            params?: Record<string, unknown>;
          };
          if (typeof spec.algorithm !== 'string') throw new UsageError(`${file}: a spec needs "algorithm"`);
          model = await om.models.put({ algorithm: spec.algorithm, params: spec.params }, name, {
            attributes,
            tags,
          });
        } else {
          const size = statSync(file).size;
          const progress = new Progress(`put ${name}`, size);
          model = await om.models.put(file, name, { attributes, tags });
          progress.add(size);
          progress.done();
        }
        describe(command, model);
      },
    );

  for (const verb of ['get', 'metadata'] as const) {
    models
      .command(`${verb} <name>`)
      .description("a model's kind, latest version and attributes (name@version, name@tag work)")
      .action(async (name: string, _options, command: Command) => {
        describe(command, await (await connect(command)).models.metadata(name));
      });
  }

  models
    .command('versions <name>')
    .description("a model's versions, newest first, and its tags")
    .action(async (name: string, _options, command: Command) => {
      const versions = await (await connect(command)).models.versions(name);
      show(command, versions, () =>
        printTable(
          versions.versions.map((version) => ({
            version: version.version,
            tags: Object.entries(versions.tags)
              .filter(([, number]) => number === version.version)
              .map(([tag]) => tag)
              .join(','),
            created: version.created,
          })),
          ['version', 'tags', 'created'],
        ),
      );
    });

  models
    .command('promote <name> <bucket>')
    .description('copy the model with all its versions to another bucket')
    .action(async (name: string, bucket: string, _options, command: Command) => {
      const model = await (await connect(command)).models.promote(name, bucket);
      show(command, model, () => process.stdout.write(`promoted ${name} to bucket ${model.bucket}\n`));
    });

  models
    .command('drop <name>')
    .description('delete a model and all its versions')
    .action(async (name: string, _options, command: Command) => {
      const answer = await (await connect(command)).models.drop(name);
      show(command, answer, () => process.stdout.write(`dropped ${name}\n`));
    });
}

function addRuntime(program: Command, connect: Connect, show: Show): void {
  const runtime = program.command('runtime').description("run models on the platform's workers");

  runtime
    .command('model <name> <action> [X] [Y]')
    .description(`run ${ACTIONS.join('|')}; X and Y are dataset names or .json/.csv files`)
    .option('--async', 'submit and print the task id instead of waiting')
    .option('--require <label>', 'run on workers of this label')
    .option('--param <k=v>', 'a parameter for the action (repeatable)', collect, [])
    .option('--timeout <seconds>', 'how long the API waits for the result', (value) =>
      positiveInt(value, '--timeout'),
    )
    .action(
      async (
        name: string,
        action: string,
        X: string | undefined,
        Y: string | undefined,
        options: { async?: boolean; require?: string; param: string[]; timeout?: number },
        command: Command,
      ) => {
        if (!(ACTIONS as readonly string[]).includes(action)) {
          throw new UsageError(`${action} is not an action: ${ACTIONS.join(', ')}`);
        }
        if (X === undefined) throw new UsageError(`${action} needs X (a dataset name or a .json/.csv file)`);
        if ((action === 'score' || action === 'partial_fit') && Y === undefined && action === 'score') {
          throw new UsageError('score needs X and Y');
        }
        const params: ActionParams = {};
        for (const spec of options.param) {
          const [key, value] = splitPair(spec, '--param');
          params[key] = scalar(value);
        }
        const x = modelData(X);
        const y = Y === undefined ? undefined : modelData(Y);
        const om = await connect(command);
        const base = options.require ? om.runtime.require(options.require) : om.runtime;
        const model = base.model(name, { timeoutSeconds: options.timeout });
        const run = options.async ? model.async() : model;
        const unary = ['predict', 'predict_proba', 'transform'].includes(action);
        const call = (run as unknown as Record<Action, (...args: unknown[]) => Promise<unknown>>)[
          action as Action
        ].bind(run);
        const answer = unary ? await call(x, params) : await call(x, y, params);
        if (options.async) {
          const id = (answer as { id: string }).id;
          show(command, { task_id: id }, () => process.stdout.write(`${id}\n`));
          return;
        }
        show(command, answer, () => printResult(answer));
      },
    );

  runtime
    .command('result <id>')
    .description("a task's status, and its result once it succeeded")
    .option('--wait', 'wait until the task finishes')
    .action(async (id: string, options: { wait?: boolean }, command: Command) => {
      const task = (await connect(command)).runtime.task(id);
      if (options.wait) await task.wait().catch(() => undefined);
      const answer = await task.result();
      show(command, answer, () => {
        printRecord({
          task_id: answer.task_id,
          status: answer.status,
          action: answer.action,
          object: answer.object,
          error: answer.error,
        });
        if (answer.result !== undefined) printResult(answer.result);
      });
    });

  runtime
    .command('status <id>')
    .description("a task's status, timings and worker")
    .action(async (id: string, _options, command: Command) => {
      const answer = await (await connect(command)).runtime.task(id).status();
      show(command, answer, () =>
        printRecord({
          task_id: answer.task_id,
          status: answer.status,
          action: answer.action,
          object: answer.object,
          label: answer.label,
          worker: answer.worker,
          submitted: answer.submitted,
          durationMs: answer.durationMs,
          error: answer.error,
        }),
      );
    });

  runtime
    .command('ping')
    .description('run a ping task on a worker')
    .option('--require <label>', 'on workers of this label')
    .action(async (options: { require?: string }, command: Command) => {
      const om = await connect(command);
      const answer = await (options.require ? om.runtime.require(options.require) : om.runtime).ping();
      show(command, answer, () =>
        printRecord({ task_id: answer.task_id, label: answer.label, result: answer.result }),
      );
    });

  runtime
    .command('workers')
    .description('the live workers and their labels')
    .action(async (_options, command: Command) => {
      const answer = await (await connect(command)).runtime.workers();
      show(command, answer, () =>
        printTable(
          answer.workers.map((worker) => ({
            id: worker.id,
            labels: worker.labels.join(','),
            mode: worker.mode,
            host: worker.host,
            inFlight: worker.inFlight,
            processed: worker.processed,
          })),
          ['id', 'labels', 'mode', 'host', 'inFlight', 'processed'],
        ),
      );
    });
}

function printResult(result: unknown): void {
  if (Array.isArray(result)) {
    const rows = result.map((value) =>
      Array.isArray(value)
        ? Object.fromEntries(value.map((item, k) => [String(k), item]))
        : value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)
          : { value },
    );
    printTable(rows);
  } else if (result !== null && typeof result === 'object') {
    printRecord(result as Record<string, unknown>);
  } else {
    process.stdout.write(`${String(result)}\n`);
  }
}

/** A dataset name, or the contents of a .json/.csv file. */
function modelData(value: string): ModelData {
  const extension = extname(value).toLowerCase();
  if (!existsSync(value) || !['.json', '.csv'].includes(extension)) return value;
  const text = readFileSync(value, 'utf8');
  if (extension === '.csv') {
    return parseCsv(text, { columns: true, cast: true, skip_empty_lines: true }) as Row[];
  }
  const data: unknown = JSON.parse(text);
  if (Array.isArray(data)) return data;
  if (data && typeof data === 'object' && 'data' in data) return data as ModelData;
  throw new UsageError(`${value}: expected rows, a matrix or {columns, data}`);
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

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string, option: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${option} must be a positive integer`);
  return number;
}

function splitPair(spec: string, option: string): [string, string] {
  const at = spec.indexOf('=');
  if (at <= 0) throw new UsageError(`${option} ${spec}: expected key=value`);
  return [spec.slice(0, at), spec.slice(at + 1)];
}

function scalar(value: string): string | number | boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  if (value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return value;
}

function parseJsonOption(value: string, option: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`${option} must be a JSON object`);
}
