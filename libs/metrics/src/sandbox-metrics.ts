import { Injectable } from '@nestjs/common';
import { OmegaErrorCode } from '@omega/core';
import { Counter } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

/**
 * Sandbox limits hit, counted where a task's end is heard (the API process that submitted it), since the
 * workers that run the sandboxes serve no `/metrics`. The runs themselves are the runtime's
 * `omega_runtime_tasks_submitted_total` of the script and job actions; only the limits need a series of
 * their own, as a failed task does not say why it failed.
 */
@Injectable()
export class SandboxMetrics {
  private readonly limitsHit: Counter<'action' | 'label'>;

  constructor(metrics: MetricsRegistry) {
    this.limitsHit = new Counter({
      name: 'omega_sandbox_limits_hit_total',
      help: 'Runs stopped at a sandbox limit (wall clock, memory, CPU time), by action and worker label',
      labelNames: ['action', 'label'],
      registers: [metrics.registry],
    });
  }

  /** Called for every task that ended, with its error code when it failed. */
  taskEnded(action: string, label: string, errorCode: string | undefined): void {
    if (errorCode === OmegaErrorCode.LimitExceeded) this.limitsHit.inc({ action, label });
  }
}
