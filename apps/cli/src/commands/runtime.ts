import type { ActionParams, ModelData, Row } from '@omega/client';
import { Command } from 'commander';
import { parse as parseCsv } from 'csv-parse/sync';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { printRecord, printTable, UsageError } from '../output';
import type { CommandContext } from './context';
import { collect, positiveInt, scalar, splitPair } from './options';

const ACTIONS = [
  'fit',
  'partial_fit',
  'predict',
  'predict_proba',
  'decision_function',
  'score',
  'transform',
] as const;
type Action = (typeof ACTIONS)[number];

/** `om runtime …` */
export function addRuntime(program: Command, { connect, show }: CommandContext): void {
  const runtime = program
    .command('runtime')
    .description("run models, scripts and jobs on the platform's workers");

  runtime
    .command('model <name> <action> [X] [Y]')
    .description(`run ${ACTIONS.join('|')}; X and Y are dataset names or .json/.csv files`)
    .option('--async', 'submit and print the task id instead of waiting')
    .option('--require <label>', 'run on workers of this label')
    .option('--param <k=v>', 'a parameter for the action (repeatable)', collect, [])
    .option('--timeout <seconds>', 'how long the API waits for the result', (value) =>
      positiveInt(value, '--timeout'),
    )
    .option('--result <dataset>', 'predict: store the predictions as this dataset (batch by batch)')
    .option('--batch <rows>', 'predict: rows per model call', (value) => positiveInt(value, '--batch'))
    .action(
      async (
        name: string,
        action: string,
        X: string | undefined,
        Y: string | undefined,
        options: {
          async?: boolean;
          require?: string;
          param: string[];
          timeout?: number;
          result?: string;
          batch?: number;
        },
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
        if ((options.result !== undefined || options.batch !== undefined) && action !== 'predict')
          throw new UsageError('--result and --batch go with predict');
        if (options.result !== undefined) params.result = options.result;
        if (options.batch !== undefined) params.batch = options.batch;
        const x = modelData(X);
        const y = Y === undefined ? undefined : modelData(Y);
        const om = await connect(command);
        const base = options.require ? om.runtime.require(options.require) : om.runtime;
        const model = base.model(name, { timeoutSeconds: options.timeout });
        const run = options.async ? model.async() : model;
        const unary = ['predict', 'predict_proba', 'decision_function', 'transform'].includes(action);
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
    .command('script <name> [args...]')
    .description('run a stored script on a worker; args are JSON values (else strings) after `om`')
    .option('--async', 'submit and print the task id instead of waiting')
    .option('--require <label>', 'run on workers of this label')
    .option('--param <k=v>', 'a keyword parameter for the script (repeatable)', collect, [])
    .option('--timeout <seconds>', 'how long the API waits for the result', (value) =>
      positiveInt(value, '--timeout'),
    )
    .action(
      async (
        name: string,
        args: string[],
        options: { async?: boolean; require?: string; param: string[]; timeout?: number },
        command: Command,
      ) => {
        const kwargs: ActionParams = {};
        for (const spec of options.param) {
          const [key, value] = splitPair(spec, '--param');
          kwargs[key] = scalar(value);
        }
        const om = await connect(command);
        const base = options.require ? om.runtime.require(options.require) : om.runtime;
        const script = base.script(name, { timeoutSeconds: options.timeout });
        const values = args.map(jsonOrString);
        if (options.async) {
          const task = await script.async().run(values, kwargs);
          show(command, { task_id: task.id }, () => process.stdout.write(`${task.id}\n`));
          return;
        }
        const run = await script.run(values, kwargs);
        show(command, run, () => {
          printResult(run.result);
          // The script's own output goes to stderr, so stdout stays its result.
          if (run.stdout) process.stderr.write(run.stdout.endsWith('\n') ? run.stdout : `${run.stdout}\n`);
          if (run.stderr) process.stderr.write(run.stderr.endsWith('\n') ? run.stderr : `${run.stderr}\n`);
        });
      },
    );

  runtime
    .command('job <name>')
    .description('run a notebook job on a worker; its executed notebook is stored under results/')
    .option('--async', 'submit and print the task id instead of waiting')
    .option('--require <label>', 'run on workers of this label')
    .option('--timeout <seconds>', 'how long the API waits for the result', (value) =>
      positiveInt(value, '--timeout'),
    )
    .action(
      async (
        name: string,
        options: { async?: boolean; require?: string; timeout?: number },
        command: Command,
      ) => {
        const om = await connect(command);
        const base = options.require ? om.runtime.require(options.require) : om.runtime;
        const job = base.job(name, { timeoutSeconds: options.timeout });
        if (options.async) {
          const task = await job.async().run();
          show(command, { task_id: task.id }, () => process.stdout.write(`${task.id}\n`));
          return;
        }
        const run = await job.run();
        show(command, run, () =>
          printRecord({
            job: run.job,
            status: run.status,
            seconds: run.runtimes,
            result: run.result,
            task_id: run.task_id,
          }),
        );
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

/** A task's result for people: rows as a table, an object as key/value lines. */
export function printResult(result: unknown): void {
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

/** `3` → 3, `'{"a": 1}'` → an object, `eu` → 'eu': shell words as the JSON values they spell. */
function jsonOrString(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
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
