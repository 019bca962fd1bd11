import { Injectable } from '@nestjs/common';
import { OmegaError, TenantContext } from '@omega/core';
import { TaskMessage } from '../../task/task';
import { TaskHandler, TaskHandlerContract } from '../task-handler';

/** The longest a ping may be asked to linger, so a probe can never tie up a worker for long. */
export const MAX_PING_DELAY_MS = 10_000;

export const PING_ACTION = 'runtime.ping';

/**
 * omega-ml's `om.runtime.ping()`: proves a worker of the label is alive and answering, and echoes the
 * call. `delay_ms` holds the worker that long first (latency and failover probes).
 */
@Injectable()
@TaskHandler({ actions: [PING_ACTION] })
export class PingHandler implements TaskHandlerContract {
  async handle(ctx: TenantContext, task: TaskMessage): Promise<unknown> {
    const delay = task.kwargs.delay_ms ?? 0;
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAX_PING_DELAY_MS) {
      throw OmegaError.invalidInput(`delay_ms must be an integer from 0 to ${MAX_PING_DELAY_MS}`);
    }
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    return {
      message: 'ping return message',
      time: new Date().toISOString(),
      args: task.args,
      kwargs: task.kwargs,
      tenant: ctx.tenant,
      bucket: ctx.bucket,
    };
  }
}
