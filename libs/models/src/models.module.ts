import { Module } from '@nestjs/common';
import { ChangeEventsModule } from '@omega/core';
import { DiscoveryModule } from '@nestjs/core';
import { TableParquetModule } from '@omega/datasets';
import { ModelEngineRegistry } from './engine/model-engine.registry';
import { ModelsService } from './models.service';
import { BatchPredictTaskHandler } from './runtime/batch-predict.handler';
import { DatasetInput } from './runtime/dataset-input';
import { ModelCache } from './runtime/model-cache';
import { ModelMetadataCache } from './runtime/model-metadata-cache';
import { ModelTaskHandler } from './runtime/model-task.handler';

/**
 * Models in `models/`: versions, references, promotion, and the worker-side handler of model actions.
 * Engines (ONNX, ml.js) are separate libs an app imports next to this one.
 */
@Module({
  imports: [DiscoveryModule, ChangeEventsModule, TableParquetModule],
  providers: [
    ModelEngineRegistry,
    ModelsService,
    ModelCache,
    ModelMetadataCache,
    DatasetInput,
    ModelTaskHandler,
    BatchPredictTaskHandler,
  ],
  exports: [ModelsService, ModelEngineRegistry, DatasetInput, TableParquetModule],
})
export class ModelsModule {}
