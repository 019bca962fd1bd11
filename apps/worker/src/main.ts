import { Logger } from '@nestjs/common';
import { runWorker } from '@omega/runtime';
import { WorkerModule } from './worker.module';

/** The worker process: the runtime's consumer (libs/runtime) with the kinds this worker runs. */
runWorker((config) => WorkerModule.forRoot(config)).catch((error: Error) => {
  new Logger('worker').error(`Could not start: ${error.message}`);
  process.exit(1);
});
