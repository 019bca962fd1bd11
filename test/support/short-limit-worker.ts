import type { OmegaConfig } from '@omega/core';
import { deleteQueues } from './broker';
import { startWorker, WorkerProcess } from './worker-process';

/**
 * The wall-clock limit of ordinary script and notebook runs in tests: what a loaded 2-core machine needs,
 * so an honest run never meets it.
 */
export const SCRIPT_LIMIT_SECONDS = 60;
/** The label of the worker that runs only the code meant to reach its limit (`?require=short-limit`). */
export const SHORT_LIMIT_LABEL = 'short-limit';
/** Its limit: short, so a test of the limit ends in seconds; no run that should succeed goes there. */
export const SHORT_LIMIT_SECONDS = 4;

/** A second worker beside the suite's own, with the short limit; `stop()` also removes its queue. */
export async function startShortLimitWorker(
  config: OmegaConfig,
  env: Record<string, string>,
): Promise<WorkerProcess> {
  const worker = await startWorker(config, {
    labels: [SHORT_LIMIT_LABEL],
    env: { ...env, OMEGA_SCRIPT_TIMEOUT_SECONDS: String(SHORT_LIMIT_SECONDS) },
  });
  return {
    ...worker,
    stop: async () => {
      const code = await worker.stop();
      if (config.brokerUrl) await deleteQueues(config.brokerUrl, config.mongoDbPrefix, [SHORT_LIMIT_LABEL]);
      return code;
    },
  };
}
