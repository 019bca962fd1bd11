import { OmegaTaskError, OmegaTimeoutError } from './errors';
import type { components } from './generated/openapi';
import { Experiment, ExperimentInfo, MonitorResult, MonitorSchedule } from './experiments';
import { HttpClient } from './http';
import type { JobRunResult, ScriptRunResult, TaskInfo, TaskResultInfo, WorkerInfo } from './types';

/**
 * Model input: a stored dataset's name, rows (`[{col: v}]`), a matrix (`[[...]]`), or omega-ml's
 * `{columns, data, shape}`.
 */
export type ModelData = string | unknown[] | { data: unknown; columns?: string[]; shape?: number[] };

/** Parameters handed to the action (as query parameters: numbers, strings and booleans). */
export type ActionParams = Record<string, string | number | boolean>;

export interface ModelRuntimeOptions {
  /** Seconds the API waits for a synchronous result (1–3600). */
  timeoutSeconds?: number;
}

/** The platform's own query parameters; an action parameter of the same name would be taken for them. */
const RESERVED = new Set(['datax', 'datay', 'async', 'require', 'timeout']);

interface RunTarget {
  http: HttpClient;
  label?: string;
}

/** `om.runtime`: runs models on the platform's workers; `require(label)` picks the workers. */
export class Runtime {
  constructor(
    private readonly http: HttpClient,
    /** The worker label every call of this runtime requires; the model's `attributes.require` otherwise. */
    readonly label?: string,
  ) {}

  /** This runtime, with every call sent to workers of `label` (e.g. `gpu`). */
  require(label: string): Runtime {
    return new Runtime(this.http, label);
  }

  model(name: string, options: ModelRuntimeOptions = {}): ModelRuntime {
    return new ModelRuntime({ http: this.http, label: this.label }, name, options);
  }

  /** The experiments of the bucket (names matching `pattern`, a glob, when given). */
  async experiments(pattern?: string): Promise<ExperimentInfo[]> {
    const answer = await this.http.get<{ objects: ExperimentInfo[] }>('/api/v1/experiment', {
      query: { pattern, limit: 1000 },
    });
    return answer.objects;
  }

  /** An experiment to log runs into: `await om.runtime.experiment('churn').use(async (run) => …)`. */
  experiment(name: string): Experiment {
    return new Experiment(this.http, name);
  }

  /** A stored script, run on a worker: `om.runtime.script('report').run([2024], { region: 'eu' })`. */
  script(name: string, options: ModelRuntimeOptions = {}): ScriptRuntime {
    return new ScriptRuntime({ http: this.http, label: this.label }, name, options);
  }

  /** A notebook job, run on a worker; its executed notebook is stored under `results/`. */
  job(name: string, options: ModelRuntimeOptions = {}): JobRuntime {
    return new JobRuntime({ http: this.http, label: this.label }, name, options);
  }

  /** A task already submitted, by id. */
  task(id: string): TaskHandle {
    return new TaskHandle(this.http, id);
  }

  /** Runs a ping task on a worker (of this runtime's label) and answers what it returned. */
  async ping(
    options: { delayMs?: number } = {},
  ): Promise<{ task_id: string; label: string; result: Record<string, unknown> }> {
    return this.http.get('/api/v1/runtime/ping', {
      query: { require: this.label, delay_ms: options.delayMs },
    });
  }

  /** The live workers and the labels they consume. */
  async workers(): Promise<{ workers: WorkerInfo[]; labels: string[] }> {
    return this.http.get('/api/v1/runtime/workers');
  }
}

/** `decision_function`'s answer: a score per row (two classes) or a row of scores per class. */
export type DecisionScores = number[] | number[][];

/** One model's actions, answered when they finish. `async()` gives the same actions as task handles. */
export class ModelRuntime {
  constructor(
    private readonly target: RunTarget,
    readonly name: string,
    private readonly options: ModelRuntimeOptions,
  ) {}

  /** Fits the model; the fitted model is stored as a new version. Answers `{model, version, parent, rows}`. */
  fit(X: ModelData, Y?: ModelData, params: ActionParams = {}): Promise<FitResult> {
    return this.run('fit', X, Y, params);
  }

  partial_fit(X: ModelData, Y?: ModelData, params: ActionParams = {}): Promise<FitResult> {
    return this.run('partial_fit', X, Y, params);
  }

  predict<T = unknown>(X: ModelData, params: ActionParams = {}): Promise<T[]> {
    return this.run('predict', X, undefined, params);
  }

  /**
   * Predicts in batches (`batch` rows per model call) and stores the predictions as the dataset `result`
   * (a columnar table, one `prediction` column in row order); `X` is best a table name, which the worker
   * reads itself. Answers `{model, dataset, rows, batches, columns}`.
   */
  predictInto(
    X: ModelData,
    result: string,
    params: ActionParams & { batch?: number } = {},
  ): Promise<BatchPredictSummary> {
    return this.run('predict', X, undefined, { ...params, result });
  }

  predict_proba(X: ModelData, params: ActionParams = {}): Promise<number[][]> {
    return this.run('predict_proba', X, undefined, params);
  }

  /**
   * A classifier's raw scores (scikit-learn's `decision_function`): one per row for two classes, one per
   * class otherwise. A model kind without it (a regressor) answers 400.
   */
  decision_function(X: ModelData, params: ActionParams = {}): Promise<DecisionScores> {
    return this.run('decision_function', X, undefined, params);
  }

  score(X: ModelData, Y: ModelData, params: ActionParams = {}): Promise<number> {
    return this.run('score', X, Y, params);
  }

  transform(X: ModelData, params: ActionParams = {}): Promise<number[][]> {
    return this.run('transform', X, undefined, params);
  }

  /** Logs this model's synchronous actions into `experiment` (made when missing) from now on. */
  track(experiment: string): Promise<{ model: string; experiment: string; run: number }> {
    return this.target.http.put('/api/v1/model/{name}/track', {
      path: { name: this.name },
      json: { experiment },
    });
  }

  /** Compares the inputs the tracked model was called with against `baseline` (a dataset), per feature. */
  monitor(
    baseline: string,
    options: { features?: string[]; since?: string; psi_threshold?: number; p_threshold?: number } = {},
  ): Promise<MonitorResult> {
    return this.target.http.post('/api/v1/model/{name}/monitor', {
      path: { name: this.name },
      json: { baseline, ...options },
    });
  }

  /**
   * Runs the same check on a schedule (a cron expression; `text` instead for plain English, as jobs take
   * it): the platform scheduler fires it, each firing a run of `<model>.monitor`. Replaces the model's
   * schedule; answers it with its next times.
   */
  scheduleMonitor(
    baseline: string,
    schedule: { cron?: string; text?: string; timezone?: string },
    options: { features?: string[]; psi_threshold?: number; p_threshold?: number } = {},
  ): Promise<MonitorSchedule> {
    return this.target.http.put('/api/v1/model/{name}/monitor', {
      path: { name: this.name },
      json: {
        baseline,
        schedule: schedule.cron,
        text: schedule.text,
        timezone: schedule.timezone,
        ...options,
      },
    });
  }

  /** The model's drift check schedule (404 when it has none). */
  monitorSchedule(): Promise<MonitorSchedule> {
    return this.target.http.get('/api/v1/model/{name}/monitor', { path: { name: this.name } });
  }

  /** Stops the scheduled drift checks (their runs stay). */
  unscheduleMonitor(): Promise<{ unscheduled: string }> {
    return this.target.http.delete('/api/v1/model/{name}/monitor', { path: { name: this.name } });
  }

  /** The same actions, submitted without waiting: each answers a handle to poll or wait on. */
  async(): AsyncModelRuntime {
    return new AsyncModelRuntime(this.target, this.name, this.options);
  }

  private async run<T>(
    action: string,
    X: ModelData,
    Y: ModelData | undefined,
    params: ActionParams,
  ): Promise<T> {
    const answer = await this.target.http.put<{ result: T }>(
      '/api/v1/model/{name}/{action}',
      actionRequest(this.target, this.name, action, X, Y, params, this.options, false),
    );
    return answer.result;
  }
}

/** What a batch prediction stored as a dataset answers (the API's BatchPredictSummaryDto). */
export type BatchPredictSummary = components['schemas']['BatchPredictSummaryDto'];

export interface FitResult {
  model: string;
  version: number;
  parent?: number;
  rows?: number;
  [key: string]: unknown;
}

export class AsyncModelRuntime {
  constructor(
    private readonly target: RunTarget,
    readonly name: string,
    private readonly options: ModelRuntimeOptions,
  ) {}

  fit(X: ModelData, Y?: ModelData, params: ActionParams = {}): Promise<TaskHandle<FitResult>> {
    return this.submit('fit', X, Y, params);
  }

  partial_fit(X: ModelData, Y?: ModelData, params: ActionParams = {}): Promise<TaskHandle<FitResult>> {
    return this.submit('partial_fit', X, Y, params);
  }

  predict<T = unknown>(X: ModelData, params: ActionParams = {}): Promise<TaskHandle<T[]>> {
    return this.submit('predict', X, undefined, params);
  }

  /** `predictInto` as a task: its result is the summary. `X` must be a table name. */
  predictInto(
    X: string,
    result: string,
    params: ActionParams & { batch?: number } = {},
  ): Promise<TaskHandle<BatchPredictSummary>> {
    return this.submit('predict', X, undefined, { ...params, result });
  }

  predict_proba(X: ModelData, params: ActionParams = {}): Promise<TaskHandle<number[][]>> {
    return this.submit('predict_proba', X, undefined, params);
  }

  decision_function(X: ModelData, params: ActionParams = {}): Promise<TaskHandle<DecisionScores>> {
    return this.submit('decision_function', X, undefined, params);
  }

  score(X: ModelData, Y: ModelData, params: ActionParams = {}): Promise<TaskHandle<number>> {
    return this.submit('score', X, Y, params);
  }

  transform(X: ModelData, params: ActionParams = {}): Promise<TaskHandle<number[][]>> {
    return this.submit('transform', X, undefined, params);
  }

  private async submit<T>(
    action: string,
    X: ModelData,
    Y: ModelData | undefined,
    params: ActionParams,
  ): Promise<TaskHandle<T>> {
    const answer = await this.target.http.put<{ task_id: string }>(
      '/api/v1/model/{name}/{action}',
      actionRequest(this.target, this.name, action, X, Y, params, this.options, true),
    );
    return new TaskHandle<T>(this.target.http, answer.task_id);
  }
}

function actionRequest(
  target: RunTarget,
  name: string,
  action: string,
  X: ModelData,
  Y: ModelData | undefined,
  params: ActionParams,
  options: ModelRuntimeOptions,
  async: boolean,
) {
  for (const key of Object.keys(params)) {
    if (RESERVED.has(key)) throw new TypeError(`${key} is the platform's own parameter, not an action's`);
  }
  const body: Record<string, unknown> = {};
  if (typeof X !== 'string') body.X = Array.isArray(X) ? { data: X } : X;
  if (Y !== undefined && typeof Y !== 'string') body.Y = Y;
  return {
    path: { name, action },
    query: {
      ...params,
      datax: typeof X === 'string' ? X : undefined,
      datay: typeof Y === 'string' ? Y : undefined,
      require: target.label,
      timeout: options.timeoutSeconds,
      async: async ? 'true' : undefined,
    },
    json: body,
  };
}

/**
 * Runs one script. `run(args, kwargs)`: the arguments after `om` in the script's `run(om, ...args)`, and
 * keyword parameters it reads from its last argument. A run that fails throws `OmegaApiError` with the
 * run's code (`SCRIPT_FAILED`, `LIMIT_EXCEEDED`, …) and `taskId` to read its output from.
 */
export class ScriptRuntime {
  constructor(
    private readonly target: RunTarget,
    readonly name: string,
    private readonly options: ModelRuntimeOptions,
  ) {}

  async run<T = unknown>(args: unknown[] = [], kwargs: ActionParams = {}): Promise<ScriptRunResult<T>> {
    return this.target.http.post<ScriptRunResult<T>>(
      '/api/v1/script/{name}/run',
      runRequest(this.target, this.name, args, kwargs, this.options, false),
    );
  }

  /** The run submitted without waiting: a handle whose result is what `run` answers. */
  async(): AsyncScriptRun {
    return {
      run: async <T>(args: unknown[] = [], kwargs: ActionParams = {}) => {
        const answer = await this.target.http.post<{ task_id: string }>(
          '/api/v1/script/{name}/run',
          runRequest(this.target, this.name, args, kwargs, this.options, true),
        );
        return new TaskHandle<ScriptRunResult<T>>(this.target.http, answer.task_id);
      },
    };
  }
}

export interface AsyncScriptRun {
  run<T = unknown>(args?: unknown[], kwargs?: ActionParams): Promise<TaskHandle<ScriptRunResult<T>>>;
}

/** Runs one notebook job; a failed cell throws `OmegaApiError` (422) after the run is recorded. */
export class JobRuntime {
  constructor(
    private readonly target: RunTarget,
    readonly name: string,
    private readonly options: ModelRuntimeOptions,
  ) {}

  run(): Promise<JobRunResult> {
    return this.target.http.post<JobRunResult>(
      '/api/v1/job/{name}/run',
      runRequest(this.target, this.name, [], {}, this.options, false),
    );
  }

  /** The run submitted without waiting: a handle whose result is what `run` answers. */
  async(): { run(): Promise<TaskHandle<JobRunResult>> } {
    return {
      run: async () => {
        const answer = await this.target.http.post<{ task_id: string }>(
          '/api/v1/job/{name}/run',
          runRequest(this.target, this.name, [], {}, this.options, true),
        );
        return new TaskHandle<JobRunResult>(this.target.http, answer.task_id);
      },
    };
  }
}

/** The run endpoints' own query parameters; a keyword argument of the same name would be taken for them. */
const RUN_RESERVED = new Set(['async', 'require', 'timeout']);

function runRequest(
  target: RunTarget,
  name: string,
  args: unknown[],
  kwargs: ActionParams,
  options: ModelRuntimeOptions,
  async: boolean,
) {
  for (const key of Object.keys(kwargs)) {
    if (RUN_RESERVED.has(key)) throw new TypeError(`${key} is the platform's own parameter, not the run's`);
  }
  return {
    path: { name },
    query: {
      ...kwargs,
      require: target.label,
      timeout: options.timeoutSeconds,
      async: async ? 'true' : undefined,
    },
    json: args,
  };
}

export interface WaitOptions {
  /** Give up after this long (default 60 s); the task goes on. */
  timeoutMs?: number;
  /** First poll interval; it grows to at most a second (default 50 ms). */
  intervalMs?: number;
}

/** A submitted task: poll its status, read its result, or wait for it. */
export class TaskHandle<T = unknown> {
  constructor(
    private readonly http: HttpClient,
    readonly id: string,
  ) {}

  /** Status, timings and worker, without the result. */
  status(): Promise<TaskInfo> {
    return this.http.get<TaskInfo>('/api/v1/task/{id}/status', { path: { id: this.id } });
  }

  /** Status, and the result once the task succeeded (`result` is absent before). */
  result(): Promise<TaskResultInfo<T>> {
    return this.http.get<TaskResultInfo<T>>('/api/v1/task/{id}/result', { path: { id: this.id } });
  }

  /**
   * Polls until the task finishes; answers its result, throws `OmegaTaskError` if it failed and
   * `OmegaTimeoutError` if it did not finish in time.
   */
  async wait(options: WaitOptions = {}): Promise<T> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    let interval = options.intervalMs ?? 50;
    for (;;) {
      const answer = await this.result();
      if (answer.status === 'SUCCESS') return answer.result as T;
      if (answer.status === 'FAILURE') {
        throw new OmegaTaskError(
          this.id,
          answer.error?.code ?? 'TASK_FAILED',
          answer.error?.message ?? 'failed',
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new OmegaTimeoutError(this.id, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, Math.min(interval, left)));
      interval = Math.min(interval * 1.5, 1000);
    }
  }
}
