import type { TenantContext } from '@omega/core';
import { summariseArgs } from '../task/args-summary';
import type { TaskMessage, TaskNotice, TaskRecord } from '../task/task';

/** Long enough to cover a record batch's window and its write, with room for a slow database. */
const KEEP_MS = 10_000;
/** Bounded, so a burst of calls cannot grow it without limit (the oldest go first). */
const MAX_ENTRIES = 10_000;

/**
 * Synchronous calls this process answered lately, as the records their workers are about to write in a
 * batch: a caller that asks for its task right after the answer finds it here until the record is
 * stored. Another API process finds it once the batch window closed.
 */
export class RecentAnswers {
  /** The call's task and its notice: the record is only built when someone asks for it (rarely). */
  private readonly entries = new Map<string, { task: TaskMessage; notice: TaskNotice; expires: number }>();

  remember(ctx: TenantContext, task: TaskMessage, notice: TaskNotice): void {
    const key = this.key(ctx, task.id);
    this.entries.delete(key);
    this.entries.set(key, { task, notice, expires: Date.now() + KEEP_MS });
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
  }

  find(ctx: TenantContext, id: string): TaskRecord | undefined {
    const key = this.key(ctx, id);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires > Date.now()) return answeredRecord(entry.task, entry.notice);
    this.entries.delete(key);
    return undefined;
  }

  /** Per tenant environment, as task records are: another tenant never finds the entry. */
  private key(ctx: TenantContext, id: string): string {
    return `${ctx.tenant}\u0000${ctx.qualifier}\u0000${id}`;
  }
}

/** The record a synchronous call's worker is about to write, from the call's task and its answer. */
export function answeredRecord(task: TaskMessage, notice: TaskNotice): TaskRecord {
  const submitted = new Date(task.trace.submitted);
  const started = notice.started ? new Date(notice.started) : undefined;
  const finished = notice.finished ? new Date(notice.finished) : undefined;
  return {
    id: task.id,
    bucket: task.bucket,
    action: task.action,
    ...(task.object !== undefined ? { object: task.object } : {}),
    label: task.label,
    argsSummary: summariseArgs(task.args, task.kwargs),
    status: notice.status,
    attempts: 1,
    submitted,
    ...(started ? { started } : {}),
    ...(finished ? { finished } : {}),
    ...(started && finished ? { durationMs: finished.getTime() - started.getTime() } : {}),
    ...(notice.worker ? { worker: notice.worker } : {}),
    ...(notice.status === 'SUCCESS' ? { result: notice.result } : {}),
    ...(notice.error ? { error: notice.error } : {}),
  };
}
