import { Module } from '@nestjs/common';
import { CloudApiModule } from '@omega/cloud';
import { CloudController } from './cloud.controller';

/** `/api/v1/cloud/…`: the cloud manager's commands for platform admins. */
@Module({
  imports: [CloudApiModule],
  controllers: [CloudController],
})
export class CloudHttpModule {}
