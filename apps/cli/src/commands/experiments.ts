import type { RunInfo } from '@omega/client';
import { Command } from 'commander';
import { printRecord, printTable, UsageError } from '../output';
import type { CommandContext } from './context';

/** A run as one table row: params as `k=v`, metrics as their last value. */
function runRow(run: RunInfo): Record<string, unknown> {
  return {
    run: run.run,
    status: run.status,
    user: run.user,
    start: run.start,
    end: run.end ?? '',
    params: Object.entries(run.params)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(' '),
    metrics: Object.entries(run.metrics)
      .map(([key, summary]) => `${key}=${summary.last}`)
      .join(' '),
  };
}

/** `om experiments list|show|compare` and `om models monitor`. */
export function addExperiments(program: Command, { connect, show }: CommandContext): void {
  const experiments = program
    .command('experiments')
    .description('experiment tracking: runs, params, metrics');

  experiments
    .command('list')
    .description('the experiments of the bucket')
    .option('--pattern <glob>', "only names matching, e.g. 'churn*'")
    .action(async (options: { pattern?: string }, command: Command) => {
      const list = await (await connect(command)).runtime.experiments(options.pattern);
      show(command, list, () =>
        printTable(
          list.map((item) => ({ name: item.name, description: item.description, modified: item.modified })),
          ['name', 'description', 'modified'],
        ),
      );
    });

  experiments
    .command('show <name>')
    .description("an experiment's runs with their params and last metric values")
    .action(async (name: string, _options: unknown, command: Command) => {
      const runs = await (await connect(command)).runtime.experiment(name).runs();
      show(command, runs, () =>
        printTable(runs.map(runRow), ['run', 'status', 'user', 'start', 'end', 'params', 'metrics']),
      );
    });

  experiments
    .command('compare <name> <runs...>')
    .description('2 to 5 runs side by side: params (* where they differ) and last metric values')
    .action(async (name: string, runs: string[], _options: unknown, command: Command) => {
      const numbers = runs.map(Number);
      if (numbers.some((run) => !Number.isInteger(run) || run < 1))
        throw new UsageError('runs are numbers: om experiments compare <name> 1 2');
      const comparison = await (await connect(command)).runtime.experiment(name).compare(numbers);
      show(command, comparison, () => {
        const header = comparison.runs.map((run) => `run ${run.run}`);
        const rows = [
          ...comparison.params.map((param) => ({
            name: `${param.differs ? '* ' : '  '}${param.key}`,
            ...Object.fromEntries(header.map((h, i) => [h, JSON.stringify(param.values[i])])),
          })),
          ...comparison.metrics.map((metric) => ({
            name: `  ${metric.key} (last)`,
            ...Object.fromEntries(header.map((h, i) => [h, metric.last[i] ?? ''])),
          })),
        ];
        printTable(rows, ['name', ...header]);
      });
    });

  // `om models monitor` joins the models command (defined with the other model commands).
  const models = program.commands.find((command) => command.name() === 'models') ?? program.command('models');
  models
    .command('monitor <name>')
    .description("compare a tracked model's logged inputs with a baseline dataset, per feature (drift)")
    .option('--baseline <dataset>', 'the reference dataset, e.g. the training data')
    .option(
      '--features <list>',
      'comma-separated features; the baseline columns found in the inputs if absent',
    )
    .option('--psi <threshold>', 'PSI at or above this flags drift (default 0.2)', Number)
    .option('--p <threshold>', 'a p-value below this flags drift (default 0.01)', Number)
    .option('--schedule <cron>', 'run the check on this schedule (cron) instead of now')
    .option('--timezone <zone>', 'the time zone of --schedule (default UTC)')
    .option('--unschedule', "remove the model's scheduled checks")
    .action(
      async (
        name: string,
        options: {
          baseline?: string;
          features?: string;
          psi?: number;
          p?: number;
          schedule?: string;
          timezone?: string;
          unschedule?: boolean;
        },
        command: Command,
      ) => {
        const model = (await connect(command)).runtime.model(name);
        if (options.unschedule) {
          const answer = await model.unscheduleMonitor();
          show(command, answer, () => printRecord(answer));
          return;
        }
        if (!options.baseline) throw new UsageError('--baseline <dataset> is required');
        const check = {
          features: options.features?.split(',').filter(Boolean),
          psi_threshold: options.psi,
          p_threshold: options.p,
        };
        if (options.schedule) {
          const schedule = await model.scheduleMonitor(
            options.baseline,
            { cron: options.schedule, timezone: options.timezone },
            check,
          );
          show(command, schedule, () =>
            printRecord({
              model: schedule.model,
              schedule: `${schedule.cron} (${schedule.timezone})`,
              baseline: schedule.check.baseline,
              next: schedule.next.slice(0, 3).join(', '),
              stored: `${schedule.model}.monitor, a run each firing`,
            }),
          );
          return;
        }
        const result = await model.monitor(options.baseline, check);
        show(command, result, () => {
          printRecord({
            model: result.model,
            baseline: result.baseline,
            'recent rows': result.recentRows,
            alert: result.alert,
            stored: `${result.experiment} run ${result.run}`,
          });
          printTable(
            result.features.map((f) => ({
              feature: f.feature,
              type: f.type,
              psi: f.psi?.toFixed(4) ?? '',
              ks: f.ks?.toFixed(4) ?? '',
              'ks p': f.ksPValue?.toExponential(2) ?? '',
              'chi2 p': f.chi2PValue?.toExponential(2) ?? '',
              drift: f.drift ? 'DRIFT' : 'ok',
            })),
            ['feature', 'type', 'psi', 'ks', 'ks p', 'chi2 p', 'drift'],
          );
        });
      },
    );
}
