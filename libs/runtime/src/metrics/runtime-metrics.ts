import { Injectable } from '@nestjs/common';
import { MetricsRegistry, SandboxMetrics, tenantLabel } from '@omega/metrics';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { QueueStats } from '../broker/task-publisher';
import { WorkerDirectory } from '../workers/worker-directory';

/** Tenants named in the per-tenant gauges, busiest first; the rest are summed as `other`. */
const MAX_TENANT_SERIES = 20;
/** Workers whose heartbeat is older than this are gone from the gauge (their series end). */
const HEARTBEAT_SHOWN_MS = 5 * 60_000;

/** What the runtime client reports at scrape time. */
export interface RuntimeUsage {
  usage: () => Map<string, { running: number; waiting: number }>;
  queues: (labels: string[]) => Promise<Map<string, QueueStats>>;
}

/**
 * The runtime's Prometheus series on the process's registry (`/metrics`): tasks submitted, finished and
 * failed by action and label, their duration, each label's queue (messages, consumers), tasks per tenant
 * with the workers and waiting, and each worker's heartbeat age. Counters and the histogram count the
 * tasks this process submitted; gauges are read when scraped.
 *
 * `/metrics` is public, so a tenant is never named: its label is `t-` and the first 12 hex digits of the
 * SHA-256 of its name (an operator hashes a name to find it), and only the busiest are shown, which
 * bounds the series however many tenants there are.
 */
@Injectable()
export class RuntimeMetrics {
  private readonly submittedTotal: Counter<'action' | 'label'>;
  private readonly finishedTotal: Counter<'action' | 'label'>;
  private readonly failedTotal: Counter<'action' | 'label'>;
  private readonly duration: Histogram<'action' | 'label'>;
  private source?: RuntimeUsage;

  constructor(
    metrics: MetricsRegistry,
    directory: WorkerDirectory,
    private readonly sandbox: SandboxMetrics,
  ) {
    const registers = [metrics.registry];
    this.submittedTotal = new Counter({
      name: 'omega_runtime_tasks_submitted_total',
      help: 'Tasks submitted by this process, by action and worker label',
      labelNames: ['action', 'label'],
      registers,
    });
    this.finishedTotal = new Counter({
      name: 'omega_runtime_tasks_finished_total',
      help: 'Tasks submitted by this process that succeeded, by action and worker label',
      labelNames: ['action', 'label'],
      registers,
    });
    this.failedTotal = new Counter({
      name: 'omega_runtime_tasks_failed_total',
      help: 'Tasks submitted by this process that failed, by action and worker label',
      labelNames: ['action', 'label'],
      registers,
    });
    this.duration = new Histogram({
      name: 'omega_runtime_task_duration_seconds',
      help: "Task run time as its worker measured it (a task without the worker's times: from dispatch to its notice)",
      labelNames: ['action', 'label'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    const source = () => this.source;
    new Gauge({
      name: 'omega_runtime_queue_messages',
      help: 'Tasks waiting in a worker label queue',
      labelNames: ['label'],
      registers,
      async collect() {
        await collectQueues(this, source(), directory, 'messages');
      },
    });
    new Gauge({
      name: 'omega_runtime_queue_consumers',
      help: 'Workers consuming a worker label queue',
      labelNames: ['label'],
      registers,
      async collect() {
        await collectQueues(this, source(), directory, 'consumers');
      },
    });
    new Gauge({
      name: 'omega_runtime_tenant_running_tasks',
      help: 'Tasks of a tenant with the workers (running or queued at the broker), from this process',
      labelNames: ['tenant'],
      registers,
      collect() {
        collectTenants(this, source(), 'running');
      },
    });
    new Gauge({
      name: 'omega_runtime_tenant_waiting_tasks',
      help: 'Tasks of a tenant waiting in this process for a running slot (OMEGA_TENANT_MAX_RUNNING)',
      labelNames: ['tenant'],
      registers,
      collect() {
        collectTenants(this, source(), 'waiting');
      },
    });
    new Gauge({
      name: 'omega_runtime_worker_heartbeat_age_seconds',
      help: "Seconds since a worker's last heartbeat (alive while under 6 s)",
      labelNames: ['worker'],
      registers,
      async collect() {
        this.reset();
        const now = Date.now();
        for (const worker of await directory.recent(HEARTBEAT_SHOWN_MS))
          this.set({ worker: worker.id }, (now - worker.seen.getTime()) / 1000);
      },
    });
  }

  observe(source: RuntimeUsage): void {
    this.source = source;
  }

  submitted(action: string, label: string): void {
    this.submittedTotal.inc({ action, label });
  }

  finished(action: string, label: string, status: string, seconds: number, errorCode?: string): void {
    (status === 'SUCCESS' ? this.finishedTotal : this.failedTotal).inc({ action, label });
    this.sandbox.taskEnded(action, label, errorCode);
    this.duration.observe({ action, label }, Math.max(0, seconds));
  }
}

async function collectQueues(
  gauge: Gauge<'label'>,
  source: RuntimeUsage | undefined,
  directory: WorkerDirectory,
  field: keyof QueueStats,
): Promise<void> {
  gauge.reset();
  if (!source) return;
  // Served labels only: a label nobody consumes has no queue to count, and callers cannot add labels.
  const labels = [...(await directory.servedLabels())];
  const stats = await source.queues(labels).catch(() => new Map<string, QueueStats>());
  for (const [label, entry] of stats) gauge.set({ label }, entry[field]);
}

function collectTenants(
  gauge: Gauge<'tenant'>,
  source: RuntimeUsage | undefined,
  field: 'running' | 'waiting',
): void {
  gauge.reset();
  if (!source) return;
  const counts = [...source.usage()].map(([tenant, usage]) => [tenant, usage[field]] as const);
  counts.sort((a, b) => b[1] - a[1]);
  let other = 0;
  counts.forEach(([tenant, count], index) => {
    if (index < MAX_TENANT_SERIES) gauge.set({ tenant: tenantLabel(tenant) }, count);
    else other += count;
  });
  if (counts.length > MAX_TENANT_SERIES) gauge.set({ tenant: 'other' }, other);
}
