import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import { randomUUID } from 'node:crypto';
import { TenantGate } from '../fairness/tenant-gate';
import { RuntimeMetrics } from '../metrics/runtime-metrics';
import { DEFAULT_LABEL } from '../runs/worker-label';
import { TaskMessage, TaskNotice, TaskRecord, isFinished } from '../task/task';
import { TaskRecordsRepository } from '../task/task-records.repository';
import { answeredRecord, RecentAnswers } from './recent-answers';
import { TaskDispatcher } from './task-dispatcher';
import { WorkerDirectory } from '../workers/worker-directory';

/** While waiting, the record is read this often in case the completion notice was lost (reconnects). */
const POLL_START_MS = 250;
const POLL_MAX_MS = 2_000;

export interface TaskRequest {
  action: string;
  object?: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** Worker label; `default` unless the call or the object requires another. */
  label?: string;
  requestId?: string;
}

type Waiter = (notice: TaskNotice) => void;

/** What the tenant gate keeps of a task holding a slot: enough to count it in the metrics when it ends. */
interface Held {
  action: string;
  label: string;
  dispatched: number;
}

/**
 * Submits tasks and follows them: `submit` records and dispatches, `wait` resolves when the task
 * finished, `run` does both for a synchronous request and answers its record, `call` its result. The same
 * client serves the broker and the embedded runtime. Every task passes the tenant gate first (see
 * TenantGate): a tenant's tasks beyond its running share wait in its own line, in this process.
 */
@Injectable()
export class RuntimeClient implements OnModuleDestroy {
  private readonly logger = new Logger(RuntimeClient.name);
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly recent = new RecentAnswers();
  private readonly gate: TenantGate<Held>;

  constructor(
    private readonly dispatcher: TaskDispatcher,
    private readonly records: TaskRecordsRepository,
    private readonly directory: WorkerDirectory,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    @Optional() private readonly metrics?: RuntimeMetrics,
  ) {
    // A slot whose completion notice never comes is freed after the longest a run may take.
    const holdMs = (config.scriptTimeoutSeconds + config.taskTimeoutSeconds) * 1000;
    this.gate = new TenantGate(config.tenantMaxRunning, config.tenantMaxQueued, holdMs);
    dispatcher.onNotice((notice) => this.deliver(notice));
    metrics?.observe({ usage: () => this.gate.usage(), queues: (labels) => this.dispatcher.queues(labels) });
  }

  /**
   * Records the task as PENDING and answers its id; it goes to a worker once its tenant has a free slot
   * (at once, unless the tenant is over OMEGA_TENANT_MAX_RUNNING). Refused with 429 when the tenant's line
   * is full. A task that waits in line lives in this process until then: if the process stops first, its
   * record stays PENDING.
   */
  async submit(ctx: TenantContext, request: TaskRequest): Promise<TaskMessage> {
    const task = this.newTask(ctx, request);
    const entry = this.gate.enter(ctx.tenant, task.id, this.held(task));
    if (entry.immediate) {
      await this.send(ctx, task).catch((error: Error) => {
        entry.cancel();
        throw error;
      });
      return task;
    }
    await this.recordPending(ctx, task).catch((error: Error) => {
      entry.cancel();
      throw error;
    });
    void entry.admitted.then(() => {
      this.metrics?.submitted(task.action, task.label);
      return this.dispatcher.dispatch(task).catch(async (error: Error) => {
        entry.cancel();
        this.logger.error(`Task ${task.id} could not be dispatched after waiting its turn: ${error.message}`);
        await this.records
          .failUnrun(ctx, task, { code: OmegaErrorCode.ServiceUnavailable, message: error.message })
          .catch(() => undefined);
      });
    });
    return task;
  }

  /**
   * Runs a task and answers its result. Refuses at once (503) when no live worker serves the label, and
   * answers 504 after `timeoutMs`; the task itself carries on and can be polled by its id.
   */
  async call(
    ctx: TenantContext,
    request: TaskRequest,
    timeoutMs?: number,
  ): Promise<{ task: TaskMessage; result: unknown }> {
    const { task, notice, record } = await this.execute(ctx, request, timeoutMs);
    const outcome = notice ?? record;
    if (outcome.status === 'FAILURE') throw taskFailure(outcome.error);
    return { task, result: outcome.result };
  }

  /**
   * Runs a task and answers its finished record, a failure included (callers that show a failure's own
   * code). 503 when no live worker serves the label, 429 when the tenant's line is full, 504 after
   * `timeoutMs` (time in line included).
   */
  async run(
    ctx: TenantContext,
    request: TaskRequest,
    timeoutMs?: number,
  ): Promise<{ task: TaskMessage; record: TaskRecord }> {
    const { task, notice, record } = await this.execute(ctx, request, timeoutMs);
    return { task, record: notice ? answeredRecord(task, notice) : record };
  }

  /**
   * Runs a task and answers its outcome: the notice of a synchronous call answered on the reply queue (no
   * record is built for it unless its task is asked for), else the finished record.
   */
  private async execute(
    ctx: TenantContext,
    request: TaskRequest,
    timeoutMs = this.config.taskTimeoutSeconds * 1000,
  ): Promise<
    | { task: TaskMessage; notice: TaskNotice; record?: never }
    | { task: TaskMessage; notice?: never; record: TaskRecord }
  > {
    // With a reply queue the call records nothing before its answer (see TaskExecutor.executeDeferred);
    // without one (the broker reconnecting) it takes the durable path and its waiter polls the record.
    const task = this.newTask(ctx, request, this.dispatcher.replyTo() !== undefined);
    await this.assertServed(task.label);
    const entry = this.gate.enter(ctx.tenant, task.id, this.held(task));
    // Waiting starts before sending: a fast worker's notice can arrive before `send` resolves.
    const wait = this.waitFor(ctx, task.id, timeoutMs);
    try {
      if (!entry.immediate) await Promise.race([entry.admitted, wait.outcome]);
      await this.send(ctx, task);
    } catch (error) {
      wait.cancel();
      entry.cancel();
      throw error;
    }
    const outcome = await wait.outcome;
    if (task.trace.deferredRecord && 'hasResult' in outcome) {
      const notice = outcome as TaskNotice;
      this.recent.remember(ctx, task, notice);
      return { task, notice };
    }
    return { task, record: await this.status(ctx, task.id) };
  }

  /** 503 at once when no live worker consumes `label`, rather than waiting out the timeout for nobody. */
  async assertServed(label: string): Promise<void> {
    if (await this.dispatcher.isLabelServed(label)) return;
    throw new OmegaError(
      OmegaErrorCode.ServiceUnavailable,
      `No live worker serves label "${label}"; start one with OMEGA_WORKER_LABELS=${label}`,
    );
  }

  async wait(ctx: TenantContext, id: string, timeoutMs: number): Promise<TaskRecord> {
    const current = await this.status(ctx, id);
    if (isFinished(current.status)) return current;
    await this.waitFor(ctx, id, timeoutMs).outcome;
    return this.status(ctx, id);
  }

  async status(ctx: TenantContext, id: string): Promise<TaskRecord> {
    const record = (await this.records.find(ctx, id)) ?? this.recent.find(ctx, id);
    if (!record) throw OmegaError.notFound(`task ${id}`);
    if (record.status !== 'PENDING') return record;
    // A first delivery writes nothing until its outcome: a worker's heartbeat is what shows it running.
    const worker = await this.directory.runningWorker(id);
    return worker ? { ...record, status: 'STARTED', worker } : record;
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.close();
  }

  private held(task: TaskMessage): Held {
    return { action: task.action, label: task.label, dispatched: Date.now() };
  }

  private newTask(ctx: TenantContext, request: TaskRequest, deferredRecord = false): TaskMessage {
    return {
      id: randomUUID(),
      tenant: ctx.tenant,
      bucket: ctx.bucket,
      qualifier: ctx.qualifier,
      action: request.action,
      ...(request.object !== undefined ? { object: request.object } : {}),
      args: request.args ?? [],
      kwargs: request.kwargs ?? {},
      label: request.label ?? DEFAULT_LABEL,
      trace: {
        submitted: new Date().toISOString(),
        ...(this.dispatcher.replyTo() ? { replyTo: this.dispatcher.replyTo() } : {}),
        ...(request.requestId ? { requestId: request.requestId } : {}),
        ...(deferredRecord ? { deferredRecord: true } : {}),
      },
    };
  }

  /**
   * A synchronous call's task is only dispatched: its worker records it after answering. An asynchronous
   * task is recorded PENDING first (durably, in a batch with concurrent submits) and only then published,
   * so an accepted task always has its record and a task nobody recorded never runs. A task the
   * dispatcher refused never existed, so its PENDING record is removed again.
   */
  private async send(ctx: TenantContext, task: TaskMessage): Promise<void> {
    this.metrics?.submitted(task.action, task.label);
    if (task.trace.deferredRecord) return this.dispatcher.dispatch(task);
    await this.recordPending(ctx, task);
    await this.dispatcher.dispatch(task).catch(async (error: unknown) => {
      await this.records.discardPending(ctx, task.id).catch(() => undefined);
      throw error;
    });
  }

  /** The PENDING record of an asynchronous task; refused by the database, the task is not accepted (503). */
  private recordPending(ctx: TenantContext, task: TaskMessage): Promise<void> {
    return this.records.createPending(ctx, task).catch((error: Error) => {
      throw new OmegaError(
        OmegaErrorCode.ServiceUnavailable,
        `Task ${task.id} was not accepted: its record could not be stored (${error.message}); nothing was queued, submit it again`,
      );
    });
  }

  /** Resolves with the outcome when a notice arrives or the record shows the task finished. */
  private waitFor(
    ctx: TenantContext,
    id: string,
    timeoutMs: number,
  ): { outcome: Promise<Pick<TaskNotice, 'status' | 'result' | 'error'>>; cancel: () => void } {
    let cancel: () => void = () => undefined;
    const outcome = new Promise<Pick<TaskNotice, 'status' | 'result' | 'error'>>((resolve, reject) => {
      let pollDelay = POLL_START_MS;
      let pollTimer: NodeJS.Timeout | undefined;
      const deadline = setTimeout(() => {
        finish();
        reject(
          new OmegaError(
            OmegaErrorCode.Timeout,
            `Task ${id} did not finish within ${Math.round(timeoutMs / 1000)} s; it goes on: poll /api/v1/task/${id}/result`,
          ),
        );
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(deadline);
        if (pollTimer) clearTimeout(pollTimer);
        this.removeWaiter(id, waiter);
      };
      const waiter: Waiter = (notice) => {
        if (!isFinished(notice.status)) return;
        finish();
        if (notice.status === 'SUCCESS' && !notice.hasResult) {
          this.records
            .find(ctx, id)
            .then((record) => resolve({ status: 'SUCCESS', result: record?.result }), reject);
        } else {
          resolve(notice);
        }
      };
      const poll = (): void => {
        pollTimer = setTimeout(() => {
          this.records.find(ctx, id).then(
            (record) => {
              if (record && isFinished(record.status)) {
                finish();
                resolve(record);
              } else if (this.waiters.get(id)?.has(waiter)) {
                pollDelay = Math.min(pollDelay * 2, POLL_MAX_MS);
                poll();
              }
            },
            () => poll(),
          );
        }, pollDelay);
      };
      cancel = finish;
      this.addWaiter(id, waiter);
      poll();
    });
    return { outcome, cancel };
  }

  private deliver(notice: TaskNotice): void {
    if (isFinished(notice.status)) {
      const held = this.gate.leave(notice.id);
      if (held && this.metrics) {
        const seconds =
          notice.started && notice.finished
            ? (Date.parse(notice.finished) - Date.parse(notice.started)) / 1000
            : (Date.now() - held.dispatched) / 1000;
        this.metrics.finished(held.action, held.label, notice.status, seconds, notice.error?.code);
      }
    }
    for (const waiter of [...(this.waiters.get(notice.id) ?? [])]) waiter(notice);
  }

  private addWaiter(id: string, waiter: Waiter): void {
    const set = this.waiters.get(id) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiters.set(id, set);
  }

  private removeWaiter(id: string, waiter: Waiter): void {
    const set = this.waiters.get(id);
    set?.delete(waiter);
    if (set?.size === 0) this.waiters.delete(id);
  }
}

/** A task's recorded failure as the error the caller sees: expected errors keep their code and status. */
export function taskFailure(error: TaskNotice['error']): OmegaError {
  const known = Object.values(OmegaErrorCode) as string[];
  const code =
    error && known.includes(error.code) ? (error.code as OmegaErrorCode) : OmegaErrorCode.TaskFailed;
  return new OmegaError(code, error?.message ?? 'The task failed');
}
