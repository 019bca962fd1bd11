import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import { randomUUID } from 'node:crypto';
import { TaskMessage, TaskNotice, TaskRecord, isFinished } from '../task/task';
import { TaskRecordsRepository } from '../task/task-records.repository';
import { RecentAnswers } from './recent-answers';
import { TaskDispatcher } from './task-dispatcher';
import { WorkerDirectory } from '../workers/worker-directory';

export const DEFAULT_LABEL = 'default';
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

/**
 * Submits tasks and follows them: `submit` records and dispatches, `wait` resolves when the task
 * finished, `call` does both for a synchronous request. The same client serves the broker and the
 * embedded runtime.
 */
@Injectable()
export class RuntimeClient implements OnModuleDestroy {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly recent = new RecentAnswers();

  constructor(
    private readonly dispatcher: TaskDispatcher,
    private readonly records: TaskRecordsRepository,
    private readonly directory: WorkerDirectory,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {
    dispatcher.onNotice((notice) => this.deliver(notice));
  }

  /** Records the task as PENDING and hands it to a worker; answers it with its id. */
  async submit(ctx: TenantContext, request: TaskRequest): Promise<TaskMessage> {
    const task = this.newTask(ctx, request);
    await this.send(ctx, task);
    return task;
  }

  /**
   * Runs a task and answers its result. Refuses at once (503) when no live worker serves the label, and
   * answers 504 after `timeoutMs`; the task itself carries on and can be polled by its id.
   */
  async call(
    ctx: TenantContext,
    request: TaskRequest,
    timeoutMs = this.config.taskTimeoutSeconds * 1000,
  ): Promise<{ task: TaskMessage; result: unknown }> {
    // With a reply queue the call records nothing before its answer (see TaskExecutor.executeDeferred);
    // without one (the broker reconnecting) it takes the durable path and its waiter polls the record.
    const task = this.newTask(ctx, request, this.dispatcher.replyTo() !== undefined);
    if (!(await this.dispatcher.isLabelServed(task.label))) {
      throw new OmegaError(
        OmegaErrorCode.ServiceUnavailable,
        `No live worker serves label "${task.label}"; start one with OMEGA_WORKER_LABELS=${task.label}`,
      );
    }
    // Waiting starts before sending: a fast worker's notice can arrive before `send` resolves.
    const wait = this.waitFor(ctx, task.id, timeoutMs);
    try {
      await this.send(ctx, task);
    } catch (error) {
      wait.cancel();
      throw error;
    }
    const outcome = await wait.outcome;
    if (task.trace.deferredRecord && 'hasResult' in outcome)
      this.recent.remember(ctx, task, outcome as TaskNotice);
    if (outcome.status === 'FAILURE') throw taskFailure(outcome.error);
    return { task, result: outcome.result };
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
   * A synchronous call's task is only dispatched: its worker records it after answering. Otherwise
   * record and dispatch run together: the worker's claim creates the record if it gets there first. A
   * task the dispatcher refused never existed, so its PENDING record is removed again.
   */
  private async send(ctx: TenantContext, task: TaskMessage): Promise<void> {
    if (task.trace.deferredRecord) return this.dispatcher.dispatch(task);
    const [recorded, dispatched] = await Promise.allSettled([
      this.records.createPending(ctx, task),
      this.dispatcher.dispatch(task),
    ]);
    if (dispatched.status === 'rejected') {
      if (recorded.status === 'fulfilled')
        await this.records.discardPending(ctx, task.id).catch(() => undefined);
      throw dispatched.reason;
    }
    if (recorded.status === 'rejected') throw recorded.reason;
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
