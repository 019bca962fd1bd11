import { OmegaError, OmegaErrorCode } from '@omega/core';

/** How long a refused caller is asked to wait before trying again. */
const RETRY_AFTER_SECONDS = 1;

interface Waiter<T> {
  taskId: string;
  tag: T;
  admit: () => void;
}

interface TenantLine<T> {
  running: Set<string>;
  waiting: Waiter<T>[];
}

/**
 * Fair shares of the workers between tenants. A tenant has at most `maxRunning` tasks with the workers at
 * once (running, or queued at the broker ahead of everyone else's); its next tasks wait here, in its own
 * line, and one more than `maxQueued` waiting is refused with 429 and `Retry-After`. So a tenant flooding
 * the workers waits on itself: another tenant's task is behind at most `maxRunning` of each tenant's.
 *
 * A slot is given back when the task's completion notice arrives; a notice that never comes (the broker
 * reconnected, the task was dead-lettered elsewhere) is covered by `holdMs`, after which the slot is freed
 * anyway. The counts are this process's: N API processes let a tenant have N times the limits.
 */
export class TenantGate<T> {
  private readonly lines = new Map<string, TenantLine<T>>();
  /** Tenant, expiry timer and the caller's tag of each task holding a slot. */
  private readonly holders = new Map<string, { tenant: string; timer: NodeJS.Timeout; tag: T }>();

  constructor(
    private readonly maxRunning: number,
    private readonly maxQueued: number,
    private readonly holdMs: number,
  ) {}

  /**
   * `admitted` resolves once `taskId` may go to the workers (`immediate` when it may at once); refuses
   * at once (429) when the tenant's line is full. `cancel` (a caller that gave up, a task that never
   * reached the workers) leaves the line or frees the slot. `tag` comes back from `leave`.
   */
  enter(
    tenant: string,
    taskId: string,
    tag: T,
  ): { immediate: boolean; admitted: Promise<void>; cancel: () => void } {
    const line = this.line(tenant);
    if (line.running.size < this.maxRunning) {
      this.hold(tenant, line, taskId, tag);
      return { immediate: true, admitted: Promise.resolve(), cancel: () => this.leave(taskId) };
    }
    if (line.waiting.length >= this.maxQueued) {
      this.forget(tenant, line);
      throw new OmegaError(
        OmegaErrorCode.RateLimited,
        `Too many tasks of this tenant: ${this.maxRunning} running and ${this.maxQueued} waiting (OMEGA_TENANT_MAX_RUNNING, OMEGA_TENANT_MAX_QUEUED); retry in ${RETRY_AFTER_SECONDS} s`,
        RETRY_AFTER_SECONDS,
      );
    }
    let waiter!: Waiter<T>;
    const admitted = new Promise<void>((resolve) => {
      waiter = { taskId, tag, admit: resolve };
    });
    line.waiting.push(waiter);
    const cancel = (): void => {
      const index = line.waiting.indexOf(waiter);
      if (index >= 0) line.waiting.splice(index, 1);
      else this.leave(taskId);
      this.forget(tenant, line);
    };
    return { immediate: false, admitted, cancel };
  }

  /** The task finished (or never reached the workers): its slot goes to the tenant's next waiting task. */
  leave(taskId: string): T | undefined {
    const holder = this.holders.get(taskId);
    if (!holder) return undefined;
    clearTimeout(holder.timer);
    this.holders.delete(taskId);
    const line = this.lines.get(holder.tenant);
    if (!line) return holder.tag;
    line.running.delete(taskId);
    const next = line.waiting.shift();
    if (next) {
      this.hold(holder.tenant, line, next.taskId, next.tag);
      next.admit();
    }
    this.forget(holder.tenant, line);
    return holder.tag;
  }

  /** Tasks with the workers and tasks waiting, per tenant with any (for the metrics). */
  usage(): Map<string, { running: number; waiting: number }> {
    const usage = new Map<string, { running: number; waiting: number }>();
    for (const [tenant, line] of this.lines)
      usage.set(tenant, { running: line.running.size, waiting: line.waiting.length });
    return usage;
  }

  private hold(tenant: string, line: TenantLine<T>, taskId: string, tag: T): void {
    line.running.add(taskId);
    const timer = setTimeout(() => this.leave(taskId), this.holdMs);
    timer.unref();
    this.holders.set(taskId, { tenant, timer, tag });
  }

  private line(tenant: string): TenantLine<T> {
    let line = this.lines.get(tenant);
    if (!line) {
      line = { running: new Set(), waiting: [] };
      this.lines.set(tenant, line);
    }
    return line;
  }

  /** Idle tenants take no memory: a platform of many tenants keeps only the busy ones' lines. */
  private forget(tenant: string, line: TenantLine<T>): void {
    if (line.running.size === 0 && line.waiting.length === 0) this.lines.delete(tenant);
  }
}
