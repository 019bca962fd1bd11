/** What a pool should be: its label's workers, how many, and the concurrency each is started with. */
export interface PoolTarget {
  label: string;
  replicas: number;
  /** With KEDA (kubernetes), the ScaledObject's upper bound; `replicas` is then its lower bound. */
  maxReplicas?: number;
  concurrency: number;
}

/** What the driver sees of a pool after acting on it. */
export interface PoolObservation {
  running: number;
  ready: number;
}

/**
 * Carries out worker-pool changes where the workers run. The manager calls `apply` with the wanted state;
 * a driver must be idempotent, since the same target comes again after a failure or a restart.
 */
export interface WorkerDriver {
  readonly name: string;
  /**
   * Whether the driver itself keeps its workers running (local: it restarts a crashed one), so the manager
   * calls `apply` every round rather than only when a request changed.
   */
  readonly supervises: boolean;
  apply(target: PoolTarget): Promise<PoolObservation>;
  /** Pools that exist without the manager having made them (the Helm chart's), to adopt as they are. */
  discover(): Promise<{ label: string; replicas: number }[]>;
  /** Stops what the driver started (the local driver's processes, draining); nothing for a cluster. */
  shutdown(): Promise<void>;
}

export const WORKER_DRIVER = Symbol('WORKER_DRIVER');
