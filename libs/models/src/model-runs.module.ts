import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RuntimeClientModule } from '@omega/runtime';
import { BatchPredictions } from './batch-predictions.service';
import { ModelRunsService } from './model-runs.service';
import { ModelsModule } from './models.module';
import { ModelRunObservers } from './runtime/model-run-observers';

/** Models plus running them through the runtime: what the API imports. */
@Module({
  imports: [ModelsModule, RuntimeClientModule, DiscoveryModule],
  providers: [ModelRunsService, ModelRunObservers, BatchPredictions],
  exports: [ModelRunsService, BatchPredictions, ModelsModule, RuntimeClientModule],
})
export class ModelRunsModule {}
