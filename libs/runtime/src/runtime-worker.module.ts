import { Module } from '@nestjs/common';
import { RuntimeCoreModule } from './runtime-core.module';
import { TaskConsumer } from './worker/task-consumer';

/** What a worker process needs to consume tasks from the broker. */
@Module({
  imports: [RuntimeCoreModule],
  providers: [TaskConsumer],
  exports: [TaskConsumer, RuntimeCoreModule],
})
export class RuntimeWorkerModule {}
