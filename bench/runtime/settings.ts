import { positiveInt } from '../support/env';

export const DEFAULT_BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** What the runtime suite measures, from the environment. */
export interface RuntimeSettings {
  /** The broker `scripts/services.sh` runs (OMEGA_TEST_BROKER_URL). */
  brokerUrl: string;
  /** Calls per measured latency level (BENCH_RT_REQUESTS). */
  requests: number;
  /** No-op tasks per throughput path (BENCH_RT_TASKS). */
  tasks: number;
  /** The worker's concurrency and the raw consumer's prefetch (BENCH_RT_WORKER_CONCURRENCY). */
  workerConcurrency: number;
}

export function readRuntimeSettings(env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  return {
    brokerUrl: env.OMEGA_TEST_BROKER_URL || DEFAULT_BROKER_URL,
    requests: positiveInt(env, 'BENCH_RT_REQUESTS', 2_000),
    tasks: positiveInt(env, 'BENCH_RT_TASKS', 5_000),
    workerConcurrency: positiveInt(env, 'BENCH_RT_WORKER_CONCURRENCY', 32),
  };
}
