import { Inject, Injectable, Logger } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import { TaskHandlerRegistry } from '../handlers/task-handler.registry';
import { isFinished, TaskError, TaskMessage, TaskNotice } from '../task/task';
import { decodeTask } from '../task/task-message';
import { TaskRecordBatch } from '../task/task-record-batch';
import { TaskRecordsRepository } from '../task/task-records.repository';
import { WorkerDirectory } from '../workers/worker-directory';

/** Results are kept in the task record; MongoDB documents stop at 16 MiB. */
const MAX_RESULT_BYTES = 12 * 1024 * 1024;
/** Results up to this size travel in the completion notice, saving the waiter a database read. */
const MAX_NOTICE_RESULT_BYTES = 256 * 1024;
/** How often a redelivery checks on a task that another live worker is still running. */
const OWNER_POLL_MS = 500;

export interface DeliveryInfo {
  /**
   * The broker delivered this message before (its worker died or lost the connection), or the publisher
   * sent it again after a dropped channel: another delivery of the task may have run or be running.
   */
  redelivered?: boolean;
}

/** What the transport should do with a delivery once the executor is through with it. */
export interface Disposition {
  /** `ack` once the outcome is stored; `dead-letter` for messages that must never be retried. */
  settle: 'ack' | 'dead-letter';
  notice?: { replyTo: string; notice: TaskNotice };
}

/**
 * Runs one delivered task: calls its handler inside the task's tenant, stores the outcome, and only then
 * lets the transport acknowledge. An asynchronous task costs one write here (its outcome, after the
 * submitter's PENDING insert); only a redelivery claims the record first. A synchronous call writes after
 * its answer, in a batch. Used by the broker worker and the in-process runner alike.
 */
@Injectable()
export class TaskExecutor {
  private readonly logger = new Logger(TaskExecutor.name);

  constructor(
    private readonly records: TaskRecordsRepository,
    private readonly batch: TaskRecordBatch,
    private readonly handlers: TaskHandlerRegistry,
    private readonly directory: WorkerDirectory,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  async execute(data: unknown, worker: string, delivery: DeliveryInfo = {}): Promise<Disposition> {
    const decoded = decodeTask(data);
    if (!decoded.ok) {
      this.logger.warn(`Dead-lettering an undecodable task: ${decoded.reason}`);
      if (decoded.task && decoded.ctx) {
        const error = { code: OmegaErrorCode.InvalidInput, message: `Invalid task: ${decoded.reason}` };
        await this.records.failUnrun(decoded.ctx, decoded.task, error);
        return { settle: 'dead-letter', notice: this.notice(decoded.task, { status: 'FAILURE', error }) };
      }
      return { settle: 'dead-letter' };
    }
    const { task, ctx } = decoded;
    if (task.trace.deferredRecord === true && task.trace.replyTo) {
      return this.executeDeferred(ctx, task, worker, delivery);
    }
    if (delivery.redelivered !== true) return this.executeFirst(ctx, task, worker);
    await this.untilOwnerGone(ctx, task.id, worker);
    const claim = await this.records.claim(ctx, task, worker, {
      maxAttempts: this.config.taskMaxAttempts,
      takeOver: true,
    });
    if (claim.kind === 'running') return { settle: 'ack' };
    if (claim.kind === 'finished') {
      const { status, result, error } = claim.record;
      return { settle: 'ack', notice: this.notice(task, { status, result, error }) };
    }
    if (claim.kind === 'poison') {
      const error = {
        code: 'POISON',
        message: `Gave up after ${claim.record.attempts - 1} deliveries: the task ended its worker each time`,
      };
      this.logger.error(`Task ${task.id} (${task.action}) is poison; dead-lettered`);
      await this.records.failUnrun(ctx, task, error);
      return { settle: 'dead-letter', notice: this.notice(task, { status: 'FAILURE', error }) };
    }

    const outcome = await this.run(ctx, task);
    const recorded = await this.records.finish(ctx, task, outcome, claim.record.started);
    return recorded ? this.answer(task, outcome) : this.settled(ctx, task);
  }

  /**
   * The first delivery of an asynchronous task: no claim, it runs at once and its outcome is the one
   * write after the submitter's PENDING insert. While it runs, the worker's heartbeat lists it, which is
   * how a redelivery (after this worker died or lost the broker) knows to wait (see `untilOwnerGone`).
   */
  private async executeFirst(ctx: TenantContext, task: TaskMessage, worker: string): Promise<Disposition> {
    const started = new Date();
    const outcome = await this.run(ctx, task);
    const finished = new Date();
    const recorded = await this.records.finishFirst(ctx, task, worker, started, outcome);
    if (!recorded) return this.settled(ctx, task);
    const disposition = this.answer(task, outcome);
    // The run's own times, for the submitter's duration metric.
    if (disposition.notice)
      Object.assign(disposition.notice.notice, {
        started: started.toISOString(),
        finished: finished.toISOString(),
      });
    return disposition;
  }

  private answer(
    task: TaskMessage,
    outcome: { status: 'SUCCESS'; result: unknown } | { status: 'FAILURE'; error: TaskError },
  ): Disposition {
    return {
      settle: 'ack',
      notice: this.notice(
        task,
        outcome.status === 'SUCCESS' ? { status: 'SUCCESS', result: outcome.result } : outcome,
      ),
    };
  }

  /**
   * Another delivery of the same task recorded first (a redelivery racing this one); its outcome stands.
   * Still running elsewhere: that delivery answers the waiters.
   */
  private async settled(ctx: TenantContext, task: TaskMessage): Promise<Disposition> {
    const record = await this.records.find(ctx, task.id);
    if (!record || !isFinished(record.status)) return { settle: 'ack' };
    return {
      settle: 'ack',
      notice: this.notice(task, { status: record.status, result: record.result, error: record.error }),
    };
  }

  /**
   * A synchronous call: no write before the answer. The outcome goes to the caller in full, then into a
   * batch of records (TaskRecordBatch).
   *
   * The guarantee is at most once per request: a redelivery (its worker died or lost the broker mid-run)
   * is never run again, since the first run may have had its effects; it is answered from the record if
   * the first run's batch got there, otherwise with an INTERRUPTED failure. The caller sees either the
   * one outcome or an error (that failure, or 504 after its timeout), never a second or wrong answer: the
   * client keeps only the first notice of a task.
   */
  private async executeDeferred(
    ctx: TenantContext,
    task: TaskMessage,
    worker: string,
    delivery: DeliveryInfo,
  ): Promise<Disposition> {
    if (delivery.redelivered === true) {
      const record = await this.records.find(ctx, task.id);
      if (record && isFinished(record.status)) {
        return { settle: 'ack', notice: this.fullNotice(task, record) };
      }
      const error = {
        code: 'INTERRUPTED',
        message: 'The worker running this call stopped before answering; a synchronous call is not run twice',
      };
      await this.records.failUnrun(ctx, task, error);
      return { settle: 'ack', notice: this.fullNotice(task, { status: 'FAILURE', error }) };
    }
    const started = new Date();
    const outcome = await this.run(ctx, task);
    const finished = new Date();
    this.batch.add(ctx, { task, worker, started, outcome: { ...outcome, finished } });
    const disposition: Disposition = { settle: 'ack', notice: this.fullNotice(task, outcome) };
    Object.assign(disposition.notice!.notice, {
      worker,
      started: started.toISOString(),
      finished: finished.toISOString(),
    });
    return disposition;
  }

  /** The completion notice of a synchronous call, with the whole result: its record is not written yet. */
  private fullNotice(
    task: TaskMessage,
    outcome: { status: TaskNotice['status']; result?: unknown; error?: TaskError },
  ): Disposition['notice'] {
    const notice: TaskNotice = { id: task.id, tenant: task.tenant, status: outcome.status, hasResult: false };
    if (outcome.error) notice.error = outcome.error;
    if (outcome.status === 'SUCCESS') {
      notice.result = outcome.result ?? null;
      notice.hasResult = true;
    }
    return { replyTo: task.trace.replyTo as string, notice };
  }

  /**
   * A redelivery after a broker restart can reach this worker while the worker that started the task
   * is alive and still running it (only its connection dropped). Running it again would repeat its
   * effects (a second fit, a second model version), so this delivery waits while the owner's heartbeat
   * lists the task; a dead owner stops reporting within the heartbeat's alive window.
   */
  private async untilOwnerGone(ctx: TenantContext, id: string, worker: string): Promise<void> {
    for (;;) {
      const record = await this.records.find(ctx, id);
      if (!record || isFinished(record.status)) return;
      // A first delivery writes nothing while it runs: its worker is known from the heartbeats only.
      const owner =
        record.status === 'STARTED' && record.worker && record.worker !== worker
          ? await this.directory.isRunning(record.worker, id)
          : await this.directory.isRunningElsewhere(id, worker);
      if (!owner) return;
      await new Promise((resolve) => setTimeout(resolve, OWNER_POLL_MS));
    }
  }

  /**
   * Records a FAILURE for a delivery whose outcome could not be stored however often it was tried, before
   * it is dead-lettered. Best effort: the database may be what is failing.
   */
  async recordUndeliverable(data: unknown, reason: string): Promise<void> {
    const decoded = decodeTask(data);
    if (!decoded.ctx || !decoded.task) return;
    await this.records
      .failUnrun(decoded.ctx, decoded.task, {
        code: 'UNRECORDABLE',
        message: `The outcome could not be stored: ${reason}`,
      })
      .catch((error: Error) =>
        this.logger.error(`Could not record the failure of ${decoded.task?.id}: ${error.message}`),
      );
  }

  private async run(
    ctx: TenantContext,
    task: TaskMessage,
  ): Promise<{ status: 'SUCCESS'; result: unknown } | { status: 'FAILURE'; error: TaskError }> {
    const handler = this.handlers.find(task.action);
    if (!handler) {
      return {
        status: 'FAILURE',
        error: { code: OmegaErrorCode.InvalidInput, message: `No worker handler for action ${task.action}` },
      };
    }
    try {
      const result = (await handler.handle(ctx, task)) ?? null;
      const bytes = Buffer.byteLength(JSON.stringify(result));
      if (bytes > MAX_RESULT_BYTES) {
        return {
          status: 'FAILURE',
          error: {
            code: OmegaErrorCode.PayloadTooLarge,
            message: `The result is ${bytes} bytes, more than a task record holds (${MAX_RESULT_BYTES}); send fewer rows per call`,
          },
        };
      }
      return { status: 'SUCCESS', result };
    } catch (error) {
      return { status: 'FAILURE', error: toTaskError(error) };
    }
  }

  private notice(
    task: TaskMessage,
    outcome: { status: TaskNotice['status']; result?: unknown; error?: TaskError },
  ): Disposition['notice'] {
    if (!task.trace?.replyTo) return undefined;
    const notice: TaskNotice = { id: task.id, tenant: task.tenant, status: outcome.status, hasResult: false };
    if (outcome.error) notice.error = outcome.error;
    if (outcome.status === 'SUCCESS' && outcome.result !== undefined) {
      // Only small results ride along; the waiter reads larger ones from the record.
      const size = Buffer.byteLength(JSON.stringify(outcome.result));
      if (size <= MAX_NOTICE_RESULT_BYTES) {
        notice.result = outcome.result;
        notice.hasResult = true;
      }
    }
    return { replyTo: task.trace.replyTo, notice };
  }
}

/** A handler's error as it is recorded: codes and messages of expected errors; never a stack. */
export function toTaskError(error: unknown): TaskError {
  if (error instanceof OmegaError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: OmegaErrorCode.TaskFailed, message: message.slice(0, 2000) };
}
