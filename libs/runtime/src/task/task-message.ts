import { DEFAULT_QUALIFIER, TenantContext } from '@omega/core';
import type { TaskMessage } from './task';

const ID_PATTERN = /^[A-Za-z0-9-]{8,64}$/;
const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * Checks a task as it arrives from the broker: anything may be on a queue. Answers the task, or a reason
 * it cannot be run; `identified` says whether its id and tenant are usable to record the failure.
 */
export function decodeTask(
  data: unknown,
):
  | { ok: true; task: TaskMessage; ctx: TenantContext }
  | { ok: false; reason: string; task?: TaskMessage; ctx?: TenantContext } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { ok: false, reason: 'task is not an object' };
  }
  const task = data as TaskMessage;
  if (typeof task.id !== 'string' || !ID_PATTERN.test(task.id))
    return { ok: false, reason: 'task id is missing or malformed' };
  let ctx: TenantContext;
  try {
    ctx = TenantContext.of(task.tenant, task.bucket, task.qualifier ?? DEFAULT_QUALIFIER);
  } catch {
    return { ok: false, reason: 'task tenant, bucket or qualifier is invalid' };
  }
  const problem = shapeProblem(task);
  if (problem) return { ok: false, reason: problem, task, ctx };
  return { ok: true, task, ctx };
}

function shapeProblem(task: TaskMessage): string | undefined {
  if (typeof task.action !== 'string' || !ACTION_PATTERN.test(task.action)) return 'task action is malformed';
  if (task.object !== undefined && typeof task.object !== 'string') return 'task object must be a string';
  if (!Array.isArray(task.args)) return 'task args must be an array';
  if (typeof task.kwargs !== 'object' || task.kwargs === null || Array.isArray(task.kwargs)) {
    return 'task kwargs must be an object';
  }
  if (typeof task.label !== 'string') return 'task label is missing';
  if (typeof task.trace !== 'object' || task.trace === null || typeof task.trace.submitted !== 'string') {
    return 'task trace is missing';
  }
  return undefined;
}
