import { Injectable } from '@nestjs/common';
import { OmegaError, OmegaStores, TenantContext } from '@omega/core';
import { DatasetCache } from '@omega/datasets';
import { TaskHandler, TaskHandlerContract, TaskMessage } from '@omega/runtime';
import { ModelsService } from '../models.service';
import {
  BATCH_PREDICT_TASK,
  BatchPredictSummary,
  batchRowsOf,
  predictBatches,
  PredictionReader,
  recordBatches,
  storePredictions,
} from './batch-predict';
import { DatasetInput } from './dataset-input';

/**
 * `?datax=<table>&result=<name>`: the whole batch loop runs where this handler runs (the worker when a
 * broker is configured, the API in embedded mode). It reads the table by name from the store a batch at a
 * time, predicts, writes the result's parts as batches arrive and answers only the summary, so neither the
 * API nor the broker ever carries the table or its predictions. `args` are `[datax, result]`, `kwargs` the
 * action's parameters plus `batch` (rows per model call).
 */
@Injectable()
@TaskHandler({ actions: [BATCH_PREDICT_TASK] })
export class BatchPredictTaskHandler implements TaskHandlerContract {
  constructor(
    private readonly models: ModelsService,
    private readonly datasets: DatasetInput,
    private readonly stores: OmegaStores,
    private readonly cache: DatasetCache,
  ) {}

  async handle(ctx: TenantContext, task: TaskMessage): Promise<BatchPredictSummary> {
    const [datax, result] = task.args;
    if (!task.object) throw OmegaError.invalidInput('A model task names its model');
    if (typeof datax !== 'string' || typeof result !== 'string')
      throw OmegaError.invalidInput('A batch prediction names its input table and its result dataset');
    const { batch, ...params } = task.kwargs;
    const batchRows = batchRowsOf(batch);
    const { model, version } = await this.models.load(ctx, task.object);
    if (!model.predict)
      throw OmegaError.invalidInput(`Model ${task.object} (${version.kind}) cannot predict`);
    const table = await this.datasets.tableChunks(ctx, datax, batchRows);
    const batches = recordBatches(table.chunks, table.columns, batchRows, `Dataset ${datax}`);
    const reader = await PredictionReader.open(
      predictBatches(batches, (features) => model.predict!(features, params)),
    );
    return storePredictions(this.stores, this.cache, ctx, task.object, result, reader);
  }
}
