import { Injectable } from '@nestjs/common';
import { OmegaError, OmegaStores, TenantContext } from '@omega/core';
import {
  DatasetCache,
  DuckDbEngine,
  mediaTypeOf,
  TableFormat,
  TableSource,
  writeArrow,
  writeCsv,
  writeJsonDict,
  writeJsonRecords,
  writeParquet,
} from '@omega/datasets';
import { RunsService, StoredRun, TaskMessage } from '@omega/runtime';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { FeatureMatrix } from './engine/model-engine';
import { ModelRunRequest, ModelRunsService } from './model-runs.service';
import { ModelsService } from './models.service';
import {
  BATCH_PREDICT_ROWS_TASK,
  BATCH_PREDICT_TASK,
  BatchPredictSummary,
  FeatureBatch,
  matrixBatches,
  predictBatches,
  PredictedBatch,
  PredictionReader,
  recordBatches,
  RowRange,
  storePredictions,
} from './runtime/batch-predict';
import { batchTable, rowRanges, tableVersion } from './runtime/batch-predict-columns';
import { ModelRunObservers } from './runtime/model-run-observers';
import { MAX_CELLS } from './runtime/feature-input';

/** Where a batch prediction's X comes from: a stored table, a parsed JSON body, or an Arrow body stream. */
export type BatchInput = { dataset: string } | { matrix: FeatureMatrix } | { source: TableSource };

export interface BatchPredictRequest extends Omit<ModelRunRequest, 'x' | 'y'> {
  input: BatchInput;
  batchRows: number;
}

/** A streamed answer: the media type to announce and the writer of the body. */
export interface BatchPredictAnswer {
  mediaType: string;
  write(out: Writable): Promise<void>;
}

/**
 * Model calls in batches, so scoring a table never holds it (or its predictions) whole.
 *
 * Where the loop runs: `?datax=<table>&result=<name>` is one task (`model.batch_predict`) that reads,
 * predicts and writes where the task runs — the worker under a broker, this process in embedded mode —
 * and answers a summary. A streamed answer is looped here instead, at most two batches in flight, each
 * answered batch written to the client before the next is asked for: from a stored table each batch is one
 * `model.batch_predict_rows` task that reads its rows of the table version resolved once here, where it
 * runs (no feature passes through this process or the broker), from an inline or Arrow body one `predict` task with its rows inline. Either way this
 * process holds at most a few batches.
 */
@Injectable()
export class BatchPredictions {
  constructor(
    private readonly models: ModelsService,
    private readonly modelRuns: ModelRunsService,
    private readonly runs: RunsService,
    private readonly stores: OmegaStores,
    private readonly cache: DatasetCache,
    private readonly duckdb: DuckDbEngine,
    private readonly observers: ModelRunObservers,
  ) {}

  /** A table too large for one model call (it would be refused): answered in batches instead. */
  async exceedsOneCall(ctx: TenantContext, datax: string): Promise<boolean> {
    const meta = await this.stores.datasets.metadata(ctx, datax);
    const table = meta.kindMeta as { rows?: number; columns?: unknown[] } | undefined;
    return (table?.rows ?? 0) * Math.max(table?.columns?.length ?? 1, 1) > MAX_CELLS;
  }

  /** Predicts and stores the predictions as the dataset `result`; answers the summary. */
  async store(
    ctx: TenantContext,
    model: string,
    result: string,
    request: BatchPredictRequest,
  ): Promise<BatchPredictSummary> {
    if ('dataset' in request.input) {
      const { result: summary } = await this.runs.call(
        ctx,
        await this.tableRun(ctx, model, request, BATCH_PREDICT_TASK, result),
      );
      return summary as BatchPredictSummary;
    }
    const reader = await this.predictions(ctx, model, request);
    return storePredictions(this.stores, this.cache, ctx, model, result, reader);
  }

  /** `?async=true&result=`: the task's result is the summary. */
  async submit(
    ctx: TenantContext,
    model: string,
    result: string,
    request: BatchPredictRequest,
  ): Promise<TaskMessage> {
    if (!('dataset' in request.input))
      throw OmegaError.invalidInput('An asynchronous batch prediction reads X from ?datax=<table>');
    return this.runs.submit(ctx, await this.tableRun(ctx, model, request, BATCH_PREDICT_TASK, result));
  }

  /**
   * The predictions in a dataset format: JSON (`{model, result: [...]}` as a single call answers, or
   * `orient=records|dict`), CSV, Arrow IPC or Parquet. The first batch is predicted before this answers.
   */
  async answer(
    ctx: TenantContext,
    model: string,
    request: BatchPredictRequest,
    format: TableFormat,
    orient: string | undefined,
  ): Promise<BatchPredictAnswer> {
    if (orient !== undefined && orient !== 'records' && orient !== 'dict')
      throw OmegaError.invalidInput('orient must be records or dict');
    const reader = await this.predictions(ctx, model, request);
    const mediaType = mediaTypeOf(format);
    switch (format) {
      case 'csv':
        return { mediaType, write: (out) => writeCsv(reader, {}, out) };
      case 'arrow':
        return { mediaType, write: (out) => writeArrow(reader, {}, out) };
      case 'parquet':
        return { mediaType, write: (out) => writeParquet(this.duckdb, reader, {}, out) };
      default:
        if (orient === 'records') return { mediaType, write: (out) => writeJsonRecords(reader, {}, out) };
        if (orient === 'dict') return { mediaType, write: (out) => writeJsonDict(reader, {}, out) };
        return { mediaType, write: (out) => writeEnvelope(model, reader, out) };
    }
  }

  private async predictions(
    ctx: TenantContext,
    model: string,
    request: BatchPredictRequest,
  ): Promise<PredictionReader> {
    const { input, batchRows, ...call } = request;
    if ('dataset' in input) return PredictionReader.open(await this.tableBatches(ctx, model, request));
    const predict = (batch: FeatureBatch) =>
      this.modelRuns.call(ctx, model, 'predict', {
        ...call,
        x: { ...(batch.columns ? { columns: batch.columns } : {}), data: batch.rows },
      });
    const batches =
      'matrix' in input
        ? matrixBatches(input.matrix, batchRows)
        : recordBatches(input.source.chunks, undefined, batchRows, 'X');
    return PredictionReader.open(predictBatches(batches, predict, 2));
  }

  /**
   * A stored table's batches, each read and predicted where its task runs. The table's version is resolved
   * once, here, and every batch reads that version: a replace meanwhile fails the batch (409), never
   * answering old and new rows in one stream.
   */
  private async tableBatches(
    ctx: TenantContext,
    model: string,
    request: BatchPredictRequest,
  ): Promise<AsyncGenerator<PredictedBatch>> {
    const datax = (request.input as { dataset: string }).dataset;
    const run = await this.tableRun(ctx, model, request, BATCH_PREDICT_ROWS_TASK);
    const version = await tableVersion(this.stores, ctx, datax);
    const predict = async (range: RowRange) => {
      const started = performance.now();
      const args = [datax, range.first, range.rowCount, version];
      const { result } = await this.runs.call(ctx, { ...run, args });
      if (this.observers.active)
        this.observers.notify({
          ctx,
          model,
          action: 'predict',
          x: datax,
          caller: request.caller,
          result,
          durationMs: performance.now() - started,
        });
      return result;
    };
    return predictBatches(rowRanges(version.rows, request.batchRows, `Dataset ${datax}`), predict, 2);
  }

  /** A task over the stored table `?datax=` names: `args` are `[datax, result]` until the caller sets them. */
  private async tableRun(
    ctx: TenantContext,
    model: string,
    request: BatchPredictRequest,
    action: string,
    result?: string,
  ): Promise<StoredRun> {
    const datax = (request.input as { dataset: string }).dataset;
    // Both exist in the caller's tenant and bucket before a task is queued: a 404 now, not a failed task.
    const meta = await this.models.metadata(ctx, model);
    await batchTable(this.stores, ctx, datax);
    return {
      action,
      object: model,
      args: [datax, result],
      kwargs: { ...request.kwargs, batch: request.batchRows },
      attributes: meta.attributes,
      require: request.require,
      timeoutSeconds: request.timeoutSeconds,
      requestId: request.requestId,
    };
  }
}

/** `{"model": …, "result": [...], "resource_uri": …}`, the shape of a single call's answer, batch by batch. */
async function writeEnvelope(model: string, reader: PredictionReader, out: Writable): Promise<void> {
  const name = JSON.stringify(model);
  let text = `{"model":${name},"result":[`;
  let first = true;
  for await (const predictions of reader.predictions()) {
    const values = JSON.stringify(predictions);
    text += (first ? '' : ',') + values.slice(1, -1);
    first = false;
    if (!out.write(text)) await once(out, 'drain');
    text = '';
  }
  if (!out.write(`${text}],"resource_uri":${name}}`)) await once(out, 'drain');
}
