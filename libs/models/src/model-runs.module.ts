import { Module } from '@nestjs/common';
import { RuntimeClientModule } from '@omega/runtime';
import { ModelRunsService } from './model-runs.service';
import { ModelsModule } from './models.module';

/** Models plus running them through the runtime: what the API imports. */
@Module({
  imports: [ModelsModule, RuntimeClientModule],
  providers: [ModelRunsService],
  exports: [ModelRunsService, ModelsModule, RuntimeClientModule],
})
export class ModelRunsModule {}
