import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { TenantContext } from '@omega/core';
import {
  ModelKindMeta,
  ModelRunObserver,
  ModelRunObserverContract,
  ModelsService,
  ObservedModelRun,
  parseModelRef,
  selectVersion,
} from '@omega/models';
import { ExperimentsService } from '../experiments/experiments.service';
import type { EventInput } from '../experiments/run-log';
import { TRACKING_CONFIG, TrackingConfig } from '../tracking-config';
import { TrackedModels } from './tracked-models';

/** Calls kept waiting for the next write at most; beyond, calls are counted as dropped, never queued. */
const MAX_QUEUED = 20_000;
/** A write starts once this many calls wait, or FLUSH_MS after the first. */
const FLUSH_AT = 500;
const FLUSH_MS = 100;
/** The kept inputs and outputs of one call, as JSON, at most. */
const MAX_EVENT_CHARS = 256 * 1024;

interface Observed extends ObservedModelRun {
  at: Date;
  /** Resolved when the call is observed, so a later fit's new version is not taken for this call's. */
  version: Promise<number | null>;
}

/** What a logged model action keeps, as the event's `text` (JSON). */
export interface ModelActionRecord {
  version: number | null;
  caller: string | null;
  /** Rows of X given (inline data), or null for a dataset name. */
  rows: number | null;
  /** The dataset X came from, when it was named rather than sent. */
  dataset?: string;
  /** Up to OMEGA_TRACK_MAX_ROWS rows of X and of the result, for sampled calls. */
  X?: unknown;
  Y?: unknown;
  truncated?: boolean;
}

/**
 * Logs the synchronous actions of tracked models into their experiment: the call is queued when it has
 * answered and written with others in the background (one insertMany per experiment run and flush), so
 * tracking adds a queue push to a call, not a database write; a call of a model known to be untracked
 * is not queued at all.
 */
@Injectable()
@ModelRunObserver({})
export class TrackedModelActions implements ModelRunObserverContract, OnModuleDestroy {
  private readonly logger = new Logger(TrackedModelActions.name);
  private queue: Observed[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(
    private readonly links: TrackedModels,
    private readonly experiments: ExperimentsService,
    private readonly models: ModelsService,
    @Inject(TRACKING_CONFIG) private readonly config: TrackingConfig,
  ) {}

  observe(run: ObservedModelRun): void {
    // A model this process knows is not tracked costs nothing more; one it does not know yet is queued,
    // and the write looks its link up (and keeps it for the next calls).
    if (this.links.known(run.ctx, parseModelRef(run.model).name) === null) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.dropped++;
      return;
    }
    this.queue.push({ ...run, at: new Date(), version: this.version(run) });
    if (this.queue.length >= FLUSH_AT) this.flushSoon(0);
    else this.flushSoon(FLUSH_MS);
  }

  /** Calls waiting for the next write. */
  get queued(): number {
    return this.queue.length;
  }

  /** Writes everything queued so far (tests and shutdown wait on it). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.flushing.then(() => this.write(batch));
    await this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delayMs);
    this.timer.unref();
  }

  private async write(batch: Observed[]): Promise<void> {
    const groups = new Map<string, { ctx: TenantContext; model: string; calls: Observed[] }>();
    for (const call of batch) {
      const model = parseModelRef(call.model).name;
      const key = `${call.ctx.tenant}/${call.ctx.qualifier}/${call.ctx.bucket}/${model}`;
      const group = groups.get(key) ?? { ctx: call.ctx, model, calls: [] };
      group.calls.push(call);
      groups.set(key, group);
    }
    for (const { ctx, model, calls } of groups.values()) {
      try {
        const link = await this.links.link(ctx, model);
        if (!link) continue;
        const events = await Promise.all(calls.map((call) => this.event(ctx, model, call)));
        await this.experiments.appendEvents(ctx, link.experiment, link.run, link.user, events);
      } catch (error) {
        // Tracking never fails a model call; a lost batch is logged (without its data).
        this.logger.warn(
          `Could not log ${calls.length} action(s) of model ${model}: ${(error as Error).message}`,
        );
      }
    }
  }

  private async event(ctx: TenantContext, model: string, call: Observed): Promise<EventInput> {
    const record: ModelActionRecord = {
      version: await call.version,
      caller: call.caller ?? null,
      rows: rowsOf(call.x),
    };
    if (typeof call.x === 'string') record.dataset = call.x;
    if (this.config.maxRows > 0 && Math.random() < this.config.sample) {
      if (typeof call.x !== 'string') record.X = firstRows(call.x, this.config.maxRows);
      record.Y = firstRows(call.result, this.config.maxRows);
    }
    let text = JSON.stringify(record);
    if (text.length > MAX_EVENT_CHARS) {
      text = JSON.stringify({ ...record, X: undefined, Y: undefined, truncated: true });
    }
    return {
      event: call.action,
      key: model,
      value: Math.round(call.durationMs * 1000) / 1000,
      text,
      dt: call.at,
      user: call.caller,
    };
  }

  /** A fit answers the version it stored; other actions ran the version the reference points at. */
  private async version({ ctx, model: reference, result }: ObservedModelRun): Promise<number | null> {
    const stored = (result as { version?: unknown } | null)?.version;
    if (typeof stored === 'number') return stored;
    try {
      const meta = await this.models.metadata(ctx, reference);
      return selectVersion(parseModelRef(reference), meta.kindMeta as ModelKindMeta).version;
    } catch {
      return null;
    }
  }
}

/** Rows of inline X: a list, or omega-ml's `{data: [...]}` / `{columns, data}`; null for a dataset name. */
function rowsOf(x: unknown): number | null {
  if (Array.isArray(x)) return x.length;
  const data = (x as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data.length : null;
}

function firstRows(value: unknown, max: number): unknown {
  if (Array.isArray(value)) return value.slice(0, max);
  if (value && typeof value === 'object') {
    const data = (value as { data?: unknown }).data;
    if (Array.isArray(data)) return { ...(value as object), data: data.slice(0, max) };
    // omega-ml's column form {"a": [...], "b": [...]}: every column cut to the same rows.
    return Object.fromEntries(
      Object.entries(value).map(([key, column]) => [
        key,
        Array.isArray(column) ? column.slice(0, max) : column,
      ]),
    );
  }
  return value;
}
