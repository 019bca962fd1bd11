import { Injectable } from '@nestjs/common';
import { MetadataRecord, OmegaError, OmegaErrorCode, OmegaStores, TenantContext } from '@omega/core';
import type { EndStatus, EventDocument } from './experiment-records';
import { ExperimentTable } from './experiment-table';
import {
  EXPERIMENT_KIND,
  ExperimentKindMeta,
  ExperimentTrackerPlugin,
  EXPERIMENTS_PREFIX,
  NewExperiment,
} from './experiment-tracker.plugin';
import type { MetricPoint } from './metric-blocks';
import { EventInput, MetricSummary, RunLog, RunState } from './run-log';

/** Most metric points one call may log (a few MB of JSON). */
export const MAX_POINTS_PER_CALL = 100_000;
/** Most params, tags and artifacts one call may log. */
export const MAX_EVENTS_PER_CALL = 1_000;
/** An inline artifact's value, as JSON, at most: bigger things are stored as datasets or files and linked. */
export const MAX_INLINE_ARTIFACT_CHARS = 64 * 1024;
/** Runs one comparison takes. */
export const MAX_COMPARED_RUNS = 5;

/**
 * Names of metrics, params and artifacts: letters, digits and `_ . : / -` (what training code uses:
 * `val.loss`, `layer/1`); no spaces, control characters or markup, so they are safe in a page and a CSV.
 */
export const LOGGED_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$/;
/** Tags are stored as document keys: no `.` or `$`. */
const TAG_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const MAX_TAG_CHARS = 500;
const MAX_PARAM_CHARS = 10_000;

export type ParamValue = string | number | boolean | null;

export interface ArtifactInput {
  name: string;
  /** `dataset`, `file`, `model` link to a stored object by `ref`; `json` keeps `value` inline. */
  type: 'dataset' | 'file' | 'model' | 'json';
  ref?: string;
  value?: unknown;
}

export interface RunLogBatch {
  params?: Record<string, unknown>;
  metrics?: { key: string; value: number; step?: number; time?: number | string }[];
  /** Points as columns, one entry per metric: the compact form of large batches. */
  series?: { key: string; values: number[]; steps?: number[]; times?: number[] }[];
  artifacts?: ArtifactInput[];
  tags?: Record<string, string>;
}

export interface ExperimentSummary {
  name: string;
  kind: string;
  bucket: string;
  description: string;
  attributes: Record<string, unknown>;
  created: Date;
  modified: Date;
}

export interface RunDetail extends RunState {
  params: Record<string, ParamValue>;
  metrics: Record<string, MetricSummary>;
  artifacts: Record<string, unknown>;
}

/**
 * Experiments: create, list, drop, runs and what they log. Every call takes the tenant context; the
 * experiment's data lives in the tenant's own database, so one tenant never reaches another's runs.
 */
@Injectable()
export class ExperimentsService {
  constructor(
    private readonly stores: OmegaStores,
    private readonly plugin: ExperimentTrackerPlugin,
  ) {}

  private get store() {
    return this.stores.for(EXPERIMENTS_PREFIX);
  }

  async create(
    ctx: TenantContext,
    name: string,
    options: { description?: string; attributes?: Record<string, unknown>; existOk?: boolean } = {},
  ): Promise<{ experiment: ExperimentSummary; created: boolean }> {
    if (await this.store.exists(ctx, name)) {
      if (!options.existOk) throw new OmegaError(OmegaErrorCode.AlreadyExists, `experiment ${name} exists`);
      return { experiment: summarize(await this.store.metadata(ctx, name)), created: false };
    }
    const meta = await this.store.put(ctx, name, new NewExperiment(options.description ?? ''), {
      kind: EXPERIMENT_KIND,
      attributes: options.attributes,
    });
    return { experiment: summarize(meta), created: true };
  }

  async list(ctx: TenantContext, options: { pattern?: string; skip?: number; limit?: number }) {
    const { items, total } = await this.store.list(ctx, { ...options, kind: EXPERIMENT_KIND });
    return { items: items.map(summarize), total };
  }

  async get(ctx: TenantContext, name: string): Promise<ExperimentSummary> {
    return summarize(await this.meta(ctx, name));
  }

  async drop(ctx: TenantContext, name: string): Promise<void> {
    await this.meta(ctx, name);
    await this.store.drop(ctx, name);
  }

  async startRun(ctx: TenantContext, name: string, user: string, tags: Record<string, string> = {}) {
    return (await this.log(ctx, name)).start(user, checkTags(tags));
  }

  async endRun(ctx: TenantContext, name: string, run: number, status: EndStatus, user: string) {
    return (await this.log(ctx, name)).end(run, status, user);
  }

  /** Logs one batch into a running run: params, tags, artifacts as events, metric points as packed blocks. */
  async logBatch(ctx: TenantContext, name: string, run: number, user: string, batch: RunLogBatch) {
    const events = [
      ...Object.entries(checkParams(batch.params ?? {})).map(([key, value]) => paramEvent(key, value)),
      ...Object.entries(checkTags(batch.tags ?? {})).map(([key, value]) => ({
        event: 'tag',
        key,
        text: value,
      })),
      ...(batch.artifacts ?? []).map(artifactEvent),
    ];
    const points = [...toPoints(batch.metrics ?? []), ...seriesPoints(batch.series ?? [])];
    if (events.length > MAX_EVENTS_PER_CALL)
      throw OmegaError.invalidInput(`at most ${MAX_EVENTS_PER_CALL} params, tags and artifacts per call`);
    if (points.length > MAX_POINTS_PER_CALL)
      throw OmegaError.invalidInput(`at most ${MAX_POINTS_PER_CALL} metric points per call`);
    const log = await this.log(ctx, name);
    await log.requireRunning(run);
    const logged = await log.append(run, user, events, points);
    return { run, logged, metrics: points.length, events: events.length };
  }

  /**
   * Appends events that are not a user's own logging (tracked model actions, monitoring results): into a
   * run of their own that stays open, without the running check a user's batch gets.
   */
  async appendEvents(
    ctx: TenantContext,
    name: string,
    run: number,
    user: string,
    events: EventInput[],
    points: MetricPoint[] = [],
  ) {
    return (await this.log(ctx, name)).append(run, user, events, points);
  }

  /** The logged actions of a tracked model's run that carry inputs to predict from (for drift). */
  async runEvents(ctx: TenantContext, name: string, run: number, since?: Date): Promise<EventDocument[]> {
    return (await this.log(ctx, name)).events([run], ['predict', 'predict_proba'], since);
  }

  async runs(ctx: TenantContext, name: string, options: { skip?: number; limit?: number } = {}) {
    const log = await this.log(ctx, name);
    const { runs, total } = await log.runs(options);
    return { runs: await this.details(log, runs), total };
  }

  async run(ctx: TenantContext, name: string, run: number): Promise<RunDetail> {
    const log = await this.log(ctx, name);
    const [detail] = await this.details(log, [await log.state(run)]);
    return detail;
  }

  /** 2–5 runs side by side: every param and metric name any of them has, with each run's value. */
  async compare(ctx: TenantContext, name: string, runNumbers: number[]) {
    const unique = [...new Set(runNumbers)];
    if (unique.length < 2 || unique.length > MAX_COMPARED_RUNS)
      throw OmegaError.invalidInput(`compare 2 to ${MAX_COMPARED_RUNS} different runs`);
    const log = await this.log(ctx, name);
    const { runs } = await log.runs({ runs: unique });
    const missing = unique.filter((run) => !runs.some((state) => state.run === run));
    if (missing.length > 0) throw OmegaError.notFound(`run ${missing.join(', ')} of experiment ${name}`);
    const details = await this.details(log, runs);
    const params = [...new Set(details.flatMap((detail) => Object.keys(detail.params)))].sort();
    const metrics = [...new Set(details.flatMap((detail) => Object.keys(detail.metrics)))].sort();
    return {
      runs: details,
      params: params.map((key) => ({
        key,
        values: details.map((detail) => detail.params[key] ?? null),
        differs: new Set(details.map((detail) => JSON.stringify(detail.params[key] ?? null))).size > 1,
      })),
      metrics: metrics.map((key) => ({
        key,
        last: details.map((detail) => detail.metrics[key]?.last ?? null),
      })),
    };
  }

  /** One metric's points per run (for curves): run → [{step, value, time}]. */
  async series(ctx: TenantContext, name: string, key: string, runs: number[]) {
    return (await this.log(ctx, name)).series(runs, key);
  }

  async table(ctx: TenantContext, name: string): Promise<ExperimentTable> {
    return this.store.get<ExperimentTable>(ctx, name);
  }

  private async details(log: RunLog, runs: RunState[]): Promise<RunDetail[]> {
    const numbers = runs.map((run) => run.run);
    if (numbers.length === 0) return [];
    const [events, metrics] = await Promise.all([
      log.events(numbers, ['param', 'artifact']),
      log.metricSummaries(numbers),
    ]);
    return runs.map((state) => {
      const own = events.filter((event) => event.run === state.run);
      const params: Record<string, ParamValue> = {};
      const artifacts: Record<string, unknown> = {};
      for (const event of own) {
        if (event.event === 'param') params[event.key] = event.value ?? parseText(event.text);
        else artifacts[event.key] = parseText(event.text);
      }
      return { ...state, params, artifacts, metrics: metrics.get(state.run) ?? {} };
    });
  }

  private async meta(ctx: TenantContext, name: string): Promise<MetadataRecord> {
    const meta = await this.store.metadata(ctx, name);
    if (meta.kind !== EXPERIMENT_KIND) throw OmegaError.notFound(`experiment ${name}`);
    return meta;
  }

  private async log(ctx: TenantContext, name: string): Promise<RunLog> {
    return new RunLog(this.plugin.collection(ctx, await this.meta(ctx, name)));
  }
}

function summarize(meta: MetadataRecord): ExperimentSummary {
  return {
    name: meta.name,
    kind: meta.kind,
    bucket: meta.bucket,
    description: (meta.kindMeta as ExperimentKindMeta).description ?? '',
    attributes: meta.attributes ?? {},
    created: meta.created,
    modified: meta.modified,
  };
}

/** Params keep their type: numbers are numbers (and filter as such), the rest is JSON text. */
function paramEvent(key: string, value: ParamValue): EventInput {
  if (typeof value === 'number' && Number.isFinite(value)) return { event: 'param', key, value };
  return { event: 'param', key, text: JSON.stringify(value) };
}

function assertLoggedName(what: string, name: string): void {
  if (typeof name !== 'string' || !LOGGED_NAME.test(name))
    throw OmegaError.invalidInput(
      `${what} name ${JSON.stringify(String(name).slice(0, 140))}: use 1-128 letters, digits or _ . : / -, starting with a letter, digit or _`,
    );
}

function checkParams(params: Record<string, unknown>): Record<string, ParamValue> {
  for (const [key, value] of Object.entries(params)) {
    assertLoggedName('param', key);
    const ok =
      value === null ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value)) ||
      (typeof value === 'string' && value.length <= MAX_PARAM_CHARS);
    if (!ok)
      throw OmegaError.invalidInput(
        `param ${key} must be a string (at most ${MAX_PARAM_CHARS} characters), a finite number, a boolean or null`,
      );
  }
  return params as Record<string, ParamValue>;
}

function checkTags(tags: Record<string, unknown>): Record<string, string> {
  for (const [key, value] of Object.entries(tags)) {
    if (!TAG_NAME.test(key))
      throw OmegaError.invalidInput(
        `tag name ${JSON.stringify(key.slice(0, 70))}: use 1-64 letters, digits, _ or -`,
      );
    if (typeof value !== 'string' || value.length > MAX_TAG_CHARS)
      throw OmegaError.invalidInput(`tag ${key} must be a string of at most ${MAX_TAG_CHARS} characters`);
  }
  return tags as Record<string, string>;
}

function artifactEvent(artifact: ArtifactInput): EventInput {
  assertLoggedName('artifact', artifact.name);
  const link =
    artifact.type === 'json'
      ? { type: 'json', value: artifact.value ?? null }
      : { type: artifact.type, ref: artifact.ref };
  if (artifact.type !== 'json' && !artifact.ref)
    throw OmegaError.invalidInput(
      `artifact ${artifact.name}: a ${artifact.type} link needs ref (the object's name)`,
    );
  const text = JSON.stringify(link);
  if (text.length > MAX_INLINE_ARTIFACT_CHARS)
    throw OmegaError.invalidInput(
      `artifact ${artifact.name} is over ${MAX_INLINE_ARTIFACT_CHARS} characters; store it as a dataset or file and link it`,
    );
  return { event: 'artifact', key: artifact.name, text };
}

function toPoints(metrics: RunLogBatch['metrics'] & object): MetricPoint[] {
  const now = Date.now();
  return metrics.map((metric, index) => {
    assertLoggedName('metric', metric.key);
    if (!Number.isFinite(metric.value))
      throw OmegaError.invalidInput(`metrics[${index}].value must be a finite number`);
    let time = now;
    if (metric.time !== undefined) {
      time = typeof metric.time === 'number' ? metric.time : Date.parse(metric.time);
      if (!Number.isFinite(time)) throw OmegaError.invalidInput(`metrics[${index}].time is not a time`);
    }
    return { key: metric.key, value: metric.value, step: metric.step ?? index, time };
  });
}

function seriesPoints(series: RunLogBatch['series'] & object): MetricPoint[] {
  const now = Date.now();
  const points: MetricPoint[] = [];
  for (const { key, values, steps, times } of series) {
    assertLoggedName('metric', key);
    if (steps && steps.length !== values.length)
      throw OmegaError.invalidInput(`series ${key}: steps must have one entry per value`);
    if (times && times.length !== values.length)
      throw OmegaError.invalidInput(`series ${key}: times must have one entry per value`);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]))
        throw OmegaError.invalidInput(`series ${key}: values must be finite numbers`);
      points.push({ key, value: values[i], step: steps ? steps[i] : i, time: times ? times[i] : now });
    }
  }
  return points;
}

function parseText(text: string | null): ParamValue {
  if (text === null) return null;
  try {
    return JSON.parse(text) as ParamValue;
  } catch {
    return text;
  }
}
