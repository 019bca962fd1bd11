import { OmegaError } from '@omega/core';
import { WORKER_LABEL_PATTERN } from '@omega/runtime';

export function assertPoolLabel(label: unknown): asserts label is string {
  if (typeof label !== 'string' || !WORKER_LABEL_PATTERN.test(label)) {
    throw OmegaError.invalidInput(
      `${JSON.stringify(label)} is not a worker label (lowercase letters, digits, - and _, at most 63)`,
    );
  }
}

/** What the manager last did about a pool: the request it carried out and what its driver reports. */
export interface AppliedPool {
  generation: number;
  /** Workers running (local) or the Deployment's replicas (kubernetes) after the change. */
  running: number;
  ready: number;
  driver: string;
  manager: string;
  at: Date;
  /** Why the last try failed, when it did (the manager tries again on its next round). */
  error?: string;
}

/** One worker pool: the workers consuming one label's queue, as asked for and as the manager left them. */
export interface WorkerPool {
  label: string;
  replicas: number;
  /** With KEDA, the most replicas the ScaledObject may reach (its minimum is `replicas`). */
  maxReplicas?: number;
  /** Counts requests, so the asker can tell when the manager has carried out its own. */
  generation: number;
  requestedBy: string;
  requestedAt: Date;
  applied?: AppliedPool;
}
