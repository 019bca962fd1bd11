import { Injectable } from '@nestjs/common';
import { OmegaError, OmegaStores, TenantContext } from '@omega/core';
import { DatasetCache } from '@omega/datasets';
import { TaskHandler, TaskHandlerContract, TaskMessage } from '@omega/runtime';
import type { LoadedModel } from '../engine/model-engine';
import { ModelsService } from '../models.service';
import {
  BATCH_PREDICT_ROWS_TASK,
  BATCH_PREDICT_TASK,
  BatchPredictSummary,
  batchRowsOf,
  Prediction,
  predictBatches,
  PredictionReader,
  storePredictions,
} from './batch-predict';
import {
  batchTable,
  currentVersion,
  DenseBatch,
  isTableVersion,
  pinnedTable,
  predictDense,
  tableBatches,
  TableVersion,
} from './batch-predict-columns';

/**
 * Batch predictions that read their rows where the task runs (the worker when a broker is configured, the
 * API in embedded mode): by table name from the store, column by column, so neither the API nor the
 * broker ever carries the features.
 *
 * - `model.batch_predict` (`?datax=<table>&result=<name>`): the whole loop. It predicts, writes the
 *   result's parts as batches arrive and answers only the summary. `args` are `[datax, result]`.
 * - `model.batch_predict_rows` (a streamed `?datax=<table>`): one batch, the rows `first … first + rows`
 *   of the table version the API resolved; `args` are `[datax, first, rows, version]` and the answer is
 *   the batch's predictions. A version replaced meanwhile fails the batch with 409, never mixing rows.
 *
 * `kwargs` are the action's parameters plus `batch` (rows per model call).
 */
@Injectable()
@TaskHandler({ actions: [BATCH_PREDICT_TASK, BATCH_PREDICT_ROWS_TASK] })
export class BatchPredictTaskHandler implements TaskHandlerContract {
  constructor(
    private readonly models: ModelsService,
    private readonly stores: OmegaStores,
    private readonly cache: DatasetCache,
  ) {}

  async handle(ctx: TenantContext, task: TaskMessage): Promise<BatchPredictSummary | Prediction[]> {
    const [datax, target, rows] = task.args;
    if (!task.object) throw OmegaError.invalidInput('A model task names its model');
    if (typeof datax !== 'string') throw OmegaError.invalidInput('A batch prediction names its input table');
    const { batch, ...params } = task.kwargs;
    const model = await this.predictor(ctx, task.object);
    const predict = (features: DenseBatch) => predictDense(model, features, params);
    if (task.action === BATCH_PREDICT_ROWS_TASK) {
      const version = task.args[3];
      if (!isCount(target) || !isCount(rows) || rows === 0 || !isTableVersion(version))
        throw OmegaError.invalidInput(
          'A batch of rows names its first row, its row count and its table version',
        );
      if (target + rows > version.rows)
        throw OmegaError.invalidInput(
          `Dataset ${datax} has ${version.rows} rows, fewer than ${target + rows}`,
        );
      return predict(await this.window(ctx, datax, version, target, rows));
    }
    if (typeof target !== 'string')
      throw OmegaError.invalidInput('A batch prediction names its result dataset');
    const table = await batchTable(this.stores, ctx, datax);
    const batches = tableBatches(table, datax, batchRowsOf(batch));
    const reader = await PredictionReader.open(predictBatches(batches, predict));
    return storePredictions(this.stores, this.cache, ctx, task.object, target, reader);
  }

  /**
   * Rows `first … first + rows` of the table at `version`. A read that fails or comes back short while the
   * version has been replaced (its storage released under the read) is the 409 of a changed table.
   */
  private async window(
    ctx: TenantContext,
    datax: string,
    version: TableVersion,
    first: number,
    rows: number,
  ): Promise<DenseBatch> {
    const table = await pinnedTable(this.stores, ctx, datax, version);
    let features: DenseBatch | undefined;
    try {
      for await (const batch of tableBatches(table, datax, rows, { skip: first, limit: rows })) {
        features = batch;
        break;
      }
    } catch (error) {
      await currentVersion(this.stores, ctx, datax, version);
      throw error;
    }
    if (features?.rowCount !== rows) {
      await currentVersion(this.stores, ctx, datax, version);
      throw OmegaError.invalidInput(`Dataset ${datax} has no ${rows} rows from ${first}`);
    }
    return features;
  }

  private async predictor(ctx: TenantContext, name: string): Promise<LoadedModel> {
    const { model, version } = await this.models.load(ctx, name);
    if (!model.predict) throw OmegaError.invalidInput(`Model ${name} (${version.kind}) cannot predict`);
    return model;
  }
}

function isCount(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}
