import type { components } from './generated/openapi';
import type { HttpClient } from './http';

export type ExperimentInfo = components['schemas']['ExperimentDto'];
export type RunInfo = components['schemas']['RunDto'];
export type RunState = components['schemas']['RunStateDto'];
export type RunComparison = components['schemas']['CompareDto'];
export type MonitorResult = components['schemas']['MonitorResultDto'];
/** A model's drift check schedule with its next times (`PUT/GET /api/v1/model/{name}/monitor`). */
export type MonitorSchedule = components['schemas']['MonitorScheduleAnswerDto'];
export type ParamValue = string | number | boolean | null;
export type Artifact = { type: 'dataset' | 'file' | 'model'; ref: string } | { type: 'json'; value: unknown };

/** Metric points a run keeps before it sends them in one call (the API takes up to 100,000). */
export const METRIC_BATCH_POINTS = 10_000;

/**
 * `om.runtime.experiment(name)`: omega-ml's experiment tracker. `start()` opens a run (making the
 * experiment on first use); `use(fn)` runs `fn` in a run and ends it as completed, or as failed when
 * `fn` throws.
 */
export class Experiment {
  constructor(
    private readonly http: HttpClient,
    readonly name: string,
  ) {}

  async start(options: { tags?: Record<string, string> } = {}): Promise<ExperimentRun> {
    await this.http.post<ExperimentInfo>('/api/v1/experiment', { json: { name: this.name, exist_ok: true } });
    const state = await this.http.post<RunState>('/api/v1/experiment/{name}/runs', {
      path: { name: this.name },
      json: { tags: options.tags ?? {} },
    });
    return new ExperimentRun(this.http, this.name, state.run);
  }

  /** Runs `fn` in a new run: ended `completed` when it returns, `failed` when it throws (and rethrows). */
  async use<T>(
    fn: (run: ExperimentRun) => Promise<T> | T,
    options: { tags?: Record<string, string> } = {},
  ): Promise<T> {
    const run = await this.start(options);
    let result: T;
    try {
      result = await fn(run);
    } catch (error) {
      await run.end('failed').catch(() => undefined);
      throw error;
    }
    await run.end('completed');
    return result;
  }

  async runs(): Promise<RunInfo[]> {
    const answer = await this.http.get<{ runs: RunInfo[] }>('/api/v1/experiment/{name}/runs', {
      path: { name: this.name },
      query: { limit: 1000 },
    });
    return answer.runs;
  }

  /** 2–5 runs side by side. */
  compare(runs: number[]): Promise<RunComparison> {
    return this.http.get<RunComparison>('/api/v1/experiment/{name}/compare', {
      path: { name: this.name },
      query: { runs: runs.join(',') },
    });
  }

  /** The experiment's data as records, with dataset filters (`{ run: 2, event: 'metric', key: 'loss' }`). */
  data(filter: Record<string, string | number | boolean> = {}): Promise<Record<string, unknown>[]> {
    return this.http.get<Record<string, unknown>[]>('/api/v1/experiment/{name}/data', {
      path: { name: this.name },
      query: filter,
    });
  }
}

/** One run: params, tags and artifacts are sent at once; metrics are batched until `flush()` or `end()`. */
export class ExperimentRun {
  private points = new Map<string, { values: number[]; steps: number[]; times: number[] }>();
  private pending = 0;
  private ended = false;

  constructor(
    private readonly http: HttpClient,
    readonly experiment: string,
    readonly run: number,
  ) {}

  async logParam(key: string, value: ParamValue): Promise<void> {
    await this.send({ params: { [key]: value } });
  }

  async logParams(params: Record<string, ParamValue>): Promise<void> {
    await this.send({ params });
  }

  async logTag(key: string, value: string): Promise<void> {
    await this.send({ tags: { [key]: value } });
  }

  async logArtifact(name: string, artifact: Artifact): Promise<void> {
    // The document types an inline value as an object; any JSON value is accepted.
    const entry = { name, ...artifact } as components['schemas']['ArtifactDto'];
    await this.send({ artifacts: [entry] });
  }

  /** Queues one point (step: the metric's count so far); sent when METRIC_BATCH_POINTS are queued. */
  async logMetric(key: string, value: number, step?: number): Promise<void> {
    const series = this.points.get(key) ?? { values: [], steps: [], times: [] };
    this.points.set(key, series);
    series.values.push(value);
    series.steps.push(step ?? series.steps.length);
    series.times.push(Date.now());
    this.pending++;
    if (this.pending >= METRIC_BATCH_POINTS) await this.flush();
  }

  /** Sends the queued metric points in one call. */
  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const series = [...this.points.entries()].map(([key, s]) => ({ key, ...s }));
    this.points = new Map();
    this.pending = 0;
    await this.send({ series });
  }

  /** Flushes, then ends the run; nothing can be logged into it afterwards. */
  async end(status: 'completed' | 'failed' | 'killed' = 'completed'): Promise<RunState> {
    if (!this.ended) await this.flush();
    this.ended = true;
    return this.http.post<RunState>('/api/v1/experiment/{name}/runs/{run}/end', {
      path: { name: this.experiment, run: String(this.run) },
      json: { status },
    });
  }

  private async send(body: components['schemas']['LogRunDto']): Promise<void> {
    await this.http.post('/api/v1/experiment/{name}/runs/{run}/log', {
      path: { name: this.experiment, run: String(this.run) },
      json: body,
    });
  }
}
