import { OmegaError, OmegaErrorCode } from '@omega/core';
import type { Collection, Document } from 'mongodb';
import {
  EndDocument,
  EndStatus,
  endId,
  EventDocument,
  ExperimentDocument,
  MetricsDocument,
  RunDocument,
  RunStatus,
  runId,
} from './experiment-records';
import { MetricPoint, packPoints, unpackBlock } from './metric-blocks';

/** Attempts at taking the next run number when other writers take it first. */
const RUN_NUMBER_ATTEMPTS = 50;

export interface RunState {
  run: number;
  status: RunStatus;
  user: string;
  start: Date;
  end: Date | null;
  tags: Record<string, string>;
}

export interface MetricSummary {
  count: number;
  last: number | null;
  lastStep: number | null;
  min: number | null;
  max: number | null;
}

/**
 * The one door to an experiment's collection: takes run numbers, appends what runs log (events as
 * documents, metric points as packed blocks, each batch in one insertMany) and reads runs back.
 */
export class RunLog {
  constructor(private readonly collection: Collection<ExperimentDocument>) {}

  async start(user: string, tags: Record<string, string>): Promise<RunState> {
    for (let attempt = 0; attempt < RUN_NUMBER_ATTEMPTS; attempt++) {
      const [last] = await this.collection
        .find({ type: 'run' }, { projection: { run: 1 } })
        .sort({ run: -1 })
        .limit(1)
        .toArray();
      const run = (last?.run ?? 0) + 1;
      const document: RunDocument = { _id: runId(run), type: 'run', run, user, dt: new Date(), tags };
      try {
        await this.collection.insertOne(document);
        return { run, status: 'running', user, start: document.dt, end: null, tags };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new OmegaError(OmegaErrorCode.Conflict, 'too many runs started at once; try again');
  }

  async end(run: number, status: EndStatus, user: string): Promise<RunState> {
    const state = await this.state(run);
    if (state.status !== 'running') {
      throw new OmegaError(OmegaErrorCode.Conflict, `run ${run} has already ended (${state.status})`);
    }
    const document: EndDocument = { _id: endId(run), type: 'end', run, status, user, dt: new Date() };
    try {
      await this.collection.insertOne(document);
    } catch (error) {
      if (isDuplicateKey(error))
        throw new OmegaError(OmegaErrorCode.Conflict, `run ${run} has already ended`);
      throw error;
    }
    return { ...state, status, end: document.dt };
  }

  /** A run as it stands: 404 when it was never started. */
  async state(run: number): Promise<RunState> {
    const documents = await this.collection
      .find({ _id: { $in: [runId(run), endId(run)] } } as Document)
      .toArray();
    const start = documents.find((document) => document.type === 'run') as RunDocument | undefined;
    if (!start) throw OmegaError.notFound(`run ${run}`);
    const end = documents.find((document) => document.type === 'end') as EndDocument | undefined;
    return stateOf(start, end);
  }

  /** Refuses logging into a run that is not running: what a run logged is fixed once it ends. */
  async requireRunning(run: number): Promise<RunState> {
    const state = await this.state(run);
    if (state.status !== 'running') {
      throw new OmegaError(
        OmegaErrorCode.Conflict,
        `run ${run} has ended (${state.status}); start a new run`,
      );
    }
    return state;
  }

  /** Events and metric points of one batch, in one insertMany. */
  async append(run: number, user: string, events: EventInput[], points: MetricPoint[]): Promise<number> {
    const now = new Date();
    const documents: ExperimentDocument[] = events.map((event): EventDocument => ({
      type: 'event',
      run,
      event: event.event,
      key: event.key,
      value: event.value ?? null,
      text: event.text ?? null,
      step: event.step ?? null,
      user,
      dt: event.dt ?? now,
    }));
    for (const block of packPoints(points)) {
      const metrics: MetricsDocument = { type: 'metrics', run, user, dt: new Date(block.t0), ...block };
      documents.push(metrics);
    }
    if (documents.length > 0) await this.collection.insertMany(documents, { ordered: false });
    return events.length + points.length;
  }

  async runs(
    options: { runs?: number[]; skip?: number; limit?: number } = {},
  ): Promise<{ runs: RunState[]; total: number }> {
    const filter: Document = { type: 'run', ...(options.runs ? { run: { $in: options.runs } } : {}) };
    const total = await this.collection.countDocuments(filter);
    let cursor = this.collection.find(filter).sort({ run: 1 });
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    const starts = (await cursor.toArray()) as RunDocument[];
    if (starts.length === 0) return { runs: [], total };
    const ends = (await this.collection
      .find({ _id: { $in: starts.map((start) => endId(start.run)) } } as Document)
      .toArray()) as EndDocument[];
    const endOf = new Map(ends.map((end) => [end.run, end]));
    return { runs: starts.map((start) => stateOf(start, endOf.get(start.run))), total };
  }

  /** The events of some runs (params, tags, artifacts or any other kind), in the order they were logged. */
  async events(runs: number[], kinds: string[], since?: Date): Promise<EventDocument[]> {
    const filter: Document = { type: 'event', run: { $in: runs }, event: { $in: kinds } };
    if (since) filter.dt = { $gte: since };
    return (await this.collection.find(filter).sort({ run: 1, dt: 1 }).toArray()) as EventDocument[];
  }

  /** Count, last (by step, then time), min and max of each metric of each run. */
  async metricSummaries(runs: number[]): Promise<Map<number, Record<string, MetricSummary>>> {
    const byRun = new Map<number, Record<string, MetricSummary>>();
    const cursor = this.collection.find({ type: 'metrics', run: { $in: runs } } as Document);
    for await (const document of cursor) {
      const block = document as MetricsDocument;
      const summaries = byRun.get(block.run) ?? {};
      byRun.set(block.run, summaries);
      for (const point of unpackBlock(block)) {
        const summary = (summaries[point.key] ??= {
          count: 0,
          last: null,
          lastStep: null,
          min: null,
          max: null,
        });
        summary.count++;
        if (summary.lastStep === null || point.step >= summary.lastStep) {
          summary.last = point.value;
          summary.lastStep = point.step;
        }
        if (summary.min === null || point.value < summary.min) summary.min = point.value;
        if (summary.max === null || point.value > summary.max) summary.max = point.value;
      }
    }
    return byRun;
  }

  /** The points of one metric of some runs, by run then step: what curves are drawn from. */
  async series(runs: number[], key: string): Promise<Map<number, MetricPoint[]>> {
    const byRun = new Map<number, MetricPoint[]>();
    const cursor = this.collection.find({ type: 'metrics', run: { $in: runs }, keys: key } as Document);
    for await (const document of cursor) {
      const block = document as MetricsDocument;
      const points = byRun.get(block.run) ?? [];
      byRun.set(block.run, points);
      for (const point of unpackBlock(block)) if (point.key === key) points.push(point);
    }
    for (const points of byRun.values()) points.sort((a, b) => a.step - b.step || a.time - b.time);
    return byRun;
  }
}

export interface EventInput {
  event: string;
  key: string;
  value?: number | null;
  text?: string | null;
  step?: number | null;
  dt?: Date;
  /** Who caused the event when it is not the batch's user (the caller of a tracked model action). */
  user?: string;
}

function stateOf(start: RunDocument, end: EndDocument | undefined): RunState {
  return {
    run: start.run,
    status: end ? end.status : 'running',
    user: start.user,
    start: start.dt,
    end: end?.dt ?? null,
    tags: start.tags ?? {},
  };
}

function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: number })?.code === 11000;
}
