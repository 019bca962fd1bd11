import { Module } from '@nestjs/common';
import { JobRunsModule } from '@omega/jobs';
import { ModelRunsModule } from '@omega/models';
import { ScriptRunsModule } from '@omega/scripts';
import { ServiceCalls } from './service-calls';
import { ServiceController } from './service.controller';
import { ServiceSignatures } from './service-signature';

/** omega-ml's service API: models, scripts and jobs called by name, with linked signatures. */
@Module({
  imports: [ModelRunsModule, ScriptRunsModule, JobRunsModule],
  controllers: [ServiceController],
  providers: [ServiceCalls, ServiceSignatures],
})
export class ServiceApiModule {}
