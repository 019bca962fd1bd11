import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  MetadataRecord,
  MetadataRepository,
  OMEGA_CONFIG,
  OmegaConfig,
  OmegaError,
  OmegaErrorCode,
  OmegaStore,
  OmegaStores,
  TenantContext,
} from '@omega/core';
import {
  assertRunIdentity,
  CellOutcome,
  CellOutput,
  LIMIT_EXCEEDED,
  RunIdentity,
  SandboxOutcome,
  ScopedTokens,
  SCRIPT_FAILED,
  ScriptSandbox,
} from '@omega/scripts';
import { resolveScheduleSpec, scheduleFromNotebookMetadata, SchedulesService } from '@omega/schedules';
import { compileCell } from './notebook/cell-compiler';
import { Notebook, NotebookDocument, parseNotebook } from './notebook/notebook';
import { JobHistoryLock } from './storage/job-history-lock';
import {
  JOBS_PREFIX,
  JobRun,
  NOTEBOOK_KIND,
  NotebookInput,
  NotebookKindMeta,
  NotebookPlugin,
} from './storage/notebook.plugin';

/** Runs a job's Metadata keeps, newest last. */
export const MAX_RUN_HISTORY = 50;
/** Characters of a failed run's error kept in the history. */
const MAX_HISTORY_ERROR = 500;
const RESULTS_FOLDER = 'results';

export interface JobSummary {
  name: string;
  kind: string;
  bucket: string;
  attributes: Record<string, unknown>;
  kindMeta: Record<string, unknown>;
  created: Date;
  modified: Date;
}

/** What a run answers (and its task records): omega-ml's fields plus the executed notebook's name. */
export interface JobRunOutcome {
  job: string;
  status: 'SUCCESS' | 'FAILURE';
  /** The executed notebook with its outputs: `results/<job>_<time>.ipynb` in `jobs/`. */
  result: string;
  runtimes: number;
  started: string;
  ended: string;
  error?: { code: string; message: string };
}

/**
 * Notebook jobs in `jobs/`: stored notebooks, run cell by cell in the scripts' sandbox (a child process
 * with the same limits and the same scoped `om`), each run stored as an executed notebook and recorded
 * in the job's history. `run` executes here, in the calling process's sandbox: the `job.run` task
 * handler calls it on a worker, and so may anything that already runs on one (schedules).
 */
@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    private readonly stores: OmegaStores,
    private readonly metadataRepository: MetadataRepository,
    private readonly plugin: NotebookPlugin,
    private readonly sandbox: ScriptSandbox,
    private readonly tokens: ScopedTokens,
    private readonly schedules: SchedulesService,
    private readonly historyLock: JobHistoryLock,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  private get store(): OmegaStore {
    return this.stores.for(JOBS_PREFIX);
  }

  async put(
    ctx: TenantContext,
    name: string,
    content: Buffer,
    owner: RunIdentity,
    attributes?: Record<string, unknown>,
  ): Promise<JobSummary> {
    if (name === RESULTS_FOLDER || name.startsWith(`${RESULTS_FOLDER}/`)) {
      throw OmegaError.invalidInput(
        `${RESULTS_FOLDER}/ holds executed notebooks; store jobs under another name`,
      );
    }
    const parsed = parseNotebook(content);
    // A schedule in the notebook's metadata is checked before anything is stored, applied after.
    const schedule = scheduleFromNotebookMetadata(parsed.notebook);
    if (schedule) resolveScheduleSpec(schedule);
    const meta = await this.store.put(ctx, name, new NotebookInput(parsed, owner), {
      kind: NOTEBOOK_KIND,
      attributes,
    });
    await this.schedules.applyNotebookSchedule(ctx, name, parsed.notebook);
    return this.summary(meta);
  }

  async list(ctx: TenantContext, query: { pattern?: string; skip?: number; limit?: number }) {
    const { items, total } = await this.store.list(ctx, query);
    return { items: items.map((meta) => this.summary(meta)), total };
  }

  metadata(ctx: TenantContext, name: string): Promise<MetadataRecord> {
    return this.store.metadata(ctx, name);
  }

  async describe(ctx: TenantContext, name: string): Promise<JobSummary> {
    return this.summary(await this.metadata(ctx, name));
  }

  /** The notebook itself (a job, or an executed result). */
  async notebook(ctx: TenantContext, name: string): Promise<Notebook> {
    return this.plugin.get(ctx, await this.metadata(ctx, name));
  }

  async drop(ctx: TenantContext, name: string): Promise<void> {
    await this.store.drop(ctx, name);
    // A dropped job's schedule would only fire failures.
    await this.schedules.dropSchedule(ctx, name).catch((error: unknown) => {
      if (!(error instanceof OmegaError && error.code === OmegaErrorCode.NotFound)) throw error;
    });
  }

  /**
   * Runs the job's code cells in order, stores the executed notebook (outputs, errors) and records the
   * run in the job's history. A failing cell stops the run; it still answers (status FAILURE) rather than
   * throwing, so the caller decides what a failure means for it.
   */
  async run(ctx: TenantContext, name: string, options: { runAs?: RunIdentity } = {}): Promise<JobRunOutcome> {
    const meta = await this.metadata(ctx, name);
    if (meta.kind !== NOTEBOOK_KIND)
      throw OmegaError.invalidInput(`${name} is a ${meta.kind}, not a notebook`);
    const kindMeta = meta.kindMeta as unknown as NotebookKindMeta;
    const identity = options.runAs ?? kindMeta.owner;
    assertRunIdentity(identity);
    const notebook = await this.plugin.get(ctx, meta);
    const document = new NotebookDocument(notebook, kindMeta.language);

    const compiled: { index: number; code: string }[] = [];
    let compileFailure: { index: number; error: Error } | undefined;
    for (const cell of document.codeCells()) {
      try {
        compiled.push({ index: cell.index, code: await compileCell(cell.source, kindMeta.language) });
      } catch (error) {
        compileFailure = { index: cell.index, error: error as Error };
        break;
      }
    }
    const limits = this.sandbox.limits();
    const started = new Date();
    const outcome: SandboxOutcome =
      compiled.length > 0
        ? await this.tokens.during(ctx, identity, Math.ceil(limits.timeoutMs / 1000), (token) =>
            this.sandbox.run(
              { mode: 'notebook', cells: compiled },
              {
                url: this.config.apiUrl,
                token,
                tenant: ctx.tenant,
                bucket: ctx.bucket,
                qualifier: ctx.qualifier,
              },
              limits,
            ),
          )
        : { ok: true, cells: [], stdout: '', stderr: '', started, ended: new Date() };
    const cells = [...(outcome.cells ?? [])];
    let error: JobRunOutcome['error'];
    if (!outcome.ok) {
      error = { code: outcome.code ?? SCRIPT_FAILED, message: outcome.error?.message ?? 'The run failed' };
    } else if (compileFailure) {
      const { index, error: failure } = compileFailure;
      cells.push({ index, ok: false, outputs: [errorOutput(failure.name, failure.message)] });
      error = { code: SCRIPT_FAILED, message: `cell ${index}: ${failure.name}: ${failure.message}` };
    }
    if (!outcome.ok && outcome.code === LIMIT_EXCEEDED) {
      // The child was killed mid-cell: the cell it was in shows why.
      const next = compiled.find((cell) => !cells.some((done) => done.index === cell.index));
      if (next)
        cells.push({
          index: next.index,
          ok: false,
          outputs: [errorOutput('LimitExceeded', error?.message ?? '')],
        });
    }
    const status = error ? 'FAILURE' : 'SUCCESS';
    const ended = outcome.ended;
    const resultName = `${RESULTS_FOLDER}/${name}_${stamp(started)}.ipynb`;
    const executed = executedNotebook(notebook, cells, {
      job: name,
      status,
      started,
      ended,
      error: error?.message,
    });
    await this.store.put(
      ctx,
      resultName,
      new NotebookInput(new NotebookDocument(executed, kindMeta.language), identity, name),
      {
        kind: NOTEBOOK_KIND,
        attributes: { job: name, status },
      },
    );
    await this.recordRun(ctx, name, {
      status,
      started: started.toISOString(),
      ended: ended.toISOString(),
      durationMs: ended.getTime() - started.getTime(),
      result: resultName,
      userid: identity.userid,
      ...(error ? { error: firstLines(error.message) } : {}),
    });
    return {
      job: name,
      status,
      result: resultName,
      runtimes: (ended.getTime() - started.getTime()) / 1000,
      started: started.toISOString(),
      ended: ended.toISOString(),
      ...(error ? { error } : {}),
    };
  }

  summary(meta: MetadataRecord): JobSummary {
    return {
      name: meta.name,
      kind: meta.kind,
      bucket: meta.bucket,
      attributes: meta.attributes,
      kindMeta: meta.kind === NOTEBOOK_KIND ? this.plugin.publicKindMeta(meta) : {},
      created: meta.created,
      modified: meta.modified,
    };
  }

  /**
   * Appends a run to the job's history, keeping the newest `MAX_RUN_HISTORY`. Read, append and write
   * happen under the job's history lock, so runs that end together are all kept.
   */
  async recordRun(ctx: TenantContext, name: string, run: JobRun): Promise<void> {
    await this.historyLock.hold(ctx, name, async () => {
      const meta = await this.store.metadata(ctx, name).catch(() => undefined);
      if (!meta) {
        this.logger.warn(`Job ${name} was dropped while it ran; its run is kept only as ${run.result}`);
        return;
      }
      const kindMeta = meta.kindMeta as unknown as NotebookKindMeta;
      const runs = [...(kindMeta.runs ?? []), run].slice(-MAX_RUN_HISTORY);
      await this.metadataRepository.update(ctx, meta, { kindMeta: { ...meta.kindMeta, runs } });
    });
  }
}

function errorOutput(name: string, message: string): CellOutput {
  return { output_type: 'error', ename: name, evalue: message, traceback: [`${name}: ${message}`] };
}

function executedNotebook(
  notebook: Notebook,
  cells: CellOutcome[],
  run: { job: string; status: string; started: Date; ended: Date; error?: string },
): Notebook {
  const byIndex = new Map(cells.map((cell) => [cell.index, cell]));
  return {
    ...notebook,
    metadata: {
      ...notebook.metadata,
      omega: {
        job: run.job,
        status: run.status,
        started: run.started.toISOString(),
        ended: run.ended.toISOString(),
        ...(run.error ? { error: run.error } : {}),
      },
    },
    cells: notebook.cells.map((cell, index) => {
      if (cell.cell_type !== 'code') return cell;
      const outcome = byIndex.get(index);
      return { ...cell, execution_count: outcome ? index + 1 : null, outputs: outcome?.outputs ?? [] };
    }),
  };
}

/** `20261202T163000123Z`: sortable, and only characters object names allow. */
function stamp(date: Date): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

function firstLines(message: string): string {
  return message.split('\n').slice(0, 5).join('\n').slice(0, MAX_HISTORY_ERROR);
}
