import { DiscoveryService } from '@nestjs/core';
import type { TenantContext } from '@omega/core';
import type { TaskMessage } from '../task/task';

export interface TaskHandlerOptions {
  /** The actions this handler runs, e.g. `['model.predict', 'model.fit']`. Unique across the process. */
  actions: readonly string[];
}

/** Marks a provider as the handler of some task actions; `TaskHandlerRegistry` finds it at module init. */
export const TaskHandler = DiscoveryService.createDecorator<TaskHandlerOptions>();

/**
 * Runs one task inside its tenant context and answers a JSON-serialisable result. Throwing an `OmegaError`
 * records its code and message; any other error records TASK_FAILED with the message.
 */
export interface TaskHandlerContract {
  handle(ctx: TenantContext, task: TaskMessage): Promise<unknown>;
}
