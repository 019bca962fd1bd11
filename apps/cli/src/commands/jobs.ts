import type { JobSchedule, JobSummary } from '@omega/client';
import { Command } from 'commander';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { printJson, printRecord, printTable, UsageError } from '../output';
import { Progress } from '../progress';
import type { CommandContext } from './context';
import { parseJsonOption, positiveInt } from './options';

/** `om jobs …`: notebooks, their executed results and schedules; `om runtime job` runs one now. */
export function addJobs(program: Command, { connect, show }: CommandContext): void {
  const jobs = program
    .command('jobs')
    .description('notebook jobs, their results and schedules; run one with `om runtime job`');
  const describe = (command: Command, job: JobSummary) =>
    show(command, job, () => {
      printRecord({
        name: job.name,
        kind: job.kind,
        cells: job.kindMeta.cells,
        codeCells: job.kindMeta.codeCells,
        attributes: job.attributes,
        modified: job.modified,
      });
      const runs = job.kindMeta.runs ?? [];
      if (runs.length === 0) return;
      process.stdout.write('\nruns\n');
      printTable(
        runs
          .slice()
          .reverse()
          .map((run) => ({
            started: run.started,
            status: run.status,
            seconds: run.durationMs / 1000,
            result: run.result,
            error: run.error?.split('\n')[0],
          })),
        ['started', 'status', 'seconds', 'result', 'error'],
      );
    });

  jobs
    .command('list')
    .description('the jobs of the bucket (--results: the executed notebooks)')
    .option('--results', 'list the executed notebooks under results/ instead')
    .option('--pattern <glob>', "only names matching, e.g. 'reports/*'")
    .action(async (options: { results?: boolean; pattern?: string }, command: Command) => {
      const pattern = options.results ? 'results/*' : options.pattern;
      const list = (await (await connect(command)).jobs.list({ pattern })).filter(
        (job) => options.results || options.pattern || !job.name.startsWith('results/'),
      );
      show(command, list, () =>
        options.results
          ? printTable(
              list.map((item) => ({ name: item.name, cells: item.kindMeta.cells, modified: item.modified })),
              ['name', 'cells', 'modified'],
            )
          : printTable(
              list.map((item) => {
                const runs = item.kindMeta.runs ?? [];
                const last = runs[runs.length - 1];
                return {
                  name: item.name,
                  cells: item.kindMeta.cells,
                  runs: runs.length,
                  last: last ? `${last.status} ${last.started}` : '',
                  modified: item.modified,
                };
              }),
              ['name', 'cells', 'runs', 'last', 'modified'],
            ),
      );
    });

  jobs
    .command('put <file> <name>')
    .description('store an .ipynb notebook (JavaScript/TypeScript cells); a schedule in its metadata applies')
    .option('--attributes <json>', 'attributes, e.g. \'{"team": "finance"}\'')
    .action(async (file: string, name: string, options: { attributes?: string }, command: Command) => {
      const size = statSync(file).size;
      const attributes = options.attributes ? parseJsonOption(options.attributes, '--attributes') : undefined;
      const om = await connect(command);
      const progress = new Progress(`put ${name}`, size);
      const job = await om.jobs.put(file, name, { attributes });
      progress.add(size);
      progress.done();
      describe(command, job);
    });

  jobs
    .command('get <name>')
    .description('a job and its runs (status, time, duration, executed notebook, error)')
    .action(async (name: string, _options, command: Command) => {
      describe(command, await (await connect(command)).jobs.get(name));
    });

  jobs
    .command('notebook <name>')
    .description('the notebook (a job or an executed results/… one) as .ipynb JSON, to --out or stdout')
    .option('--out <file>', 'write to this file')
    .action(async (name: string, options: { out?: string }, command: Command) => {
      const notebook = await (await connect(command)).jobs.notebook(name);
      if (!options.out) {
        printJson(notebook);
        return;
      }
      const text = `${JSON.stringify(notebook, null, 1)}\n`;
      await writeFile(options.out, text);
      const answer = { name, out: resolve(options.out), cells: notebook.cells.length };
      show(command, answer, () =>
        process.stdout.write(`wrote ${notebook.cells.length} cells to ${options.out}\n`),
      );
    });

  jobs
    .command('drop <name>')
    .description('delete a job and its schedule (executed notebooks stay under results/)')
    .action(async (name: string, _options, command: Command) => {
      const answer = await (await connect(command)).jobs.drop(name);
      show(command, answer, () => process.stdout.write(`dropped ${name}\n`));
    });

  jobs
    .command('schedule <name> [when...]')
    .description(
      "show or set when a job runs: cron ('30 6 * * 1-5') or plain English ('every 5 minutes', " +
        "'weekdays at 06:00', 'on the 1st at 02:30')",
    )
    .option('--timezone <tz>', 'IANA time zone the times are meant in (default UTC)')
    .option('--next <n>', 'how many next run times to list (default 5)', (value) =>
      positiveInt(value, '--next'),
    )
    .option('--drop', 'remove the schedule')
    .option('--triggers', 'list the scheduled runs so far instead')
    .action(
      async (
        name: string,
        when: string[],
        options: { timezone?: string; next?: number; drop?: boolean; triggers?: boolean },
        command: Command,
      ) => {
        const om = await connect(command);
        if ([when.length > 0, options.drop, options.triggers].filter(Boolean).length > 1) {
          throw new UsageError('give a schedule, --drop or --triggers, not several');
        }
        if (options.drop) {
          const answer = await om.jobs.drop_schedule(name);
          show(command, answer, () => process.stdout.write(`dropped the schedule of ${name}\n`));
          return;
        }
        if (options.triggers) {
          const triggers = await om.jobs.triggers(name);
          show(command, triggers, () =>
            printTable(
              triggers.map((trigger) => ({ ...trigger, error: trigger.error ?? '' })),
              ['due_at', 'status', 'task_id', 'catch_up', 'manager', 'error'],
            ),
          );
          return;
        }
        let schedule: JobSchedule;
        if (when.length > 0) {
          schedule = await om.jobs.schedule(name, when.join(' '), { timezone: options.timezone });
          if (options.next !== undefined) schedule = await om.jobs.get_schedule(name, options.next);
        } else {
          if (options.timezone) throw new UsageError('--timezone goes with a schedule to set');
          schedule = await om.jobs.get_schedule(name, options.next);
        }
        show(command, schedule, () => {
          printRecord({
            name: schedule.name,
            cron: schedule.cron,
            text: schedule.text,
            timezone: schedule.timezone,
            last_run: schedule.last_run,
          });
          process.stdout.write(`\nnext runs\n${schedule.next_times.map((time) => `  ${time}`).join('\n')}\n`);
        });
      },
    );
}
