import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, TenantContext } from '@omega/core';
import { RuntimeClient, TaskRequest } from '../client/runtime-client';
import type { TaskMessage, TaskRecord } from '../task/task';
import type { RunIdentity } from './run-identity';
import { workerLabel } from './worker-label';

/** A run of a stored object (a model action, a script, a job), as its kind describes it. */
export interface StoredRun {
  action: string;
  object: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** The object's attributes: `require` names its worker label. */
  attributes?: Record<string, unknown>;
  /** The label the call asks for; wins over the object's. */
  require?: string;
  /** The user the run acts for (user code gets a token of theirs scoped to the run, as `kwargs.runAs`). */
  runAs?: RunIdentity;
  /** How long a synchronous call waits (seconds); the kind's default otherwise. */
  timeoutSeconds?: number;
  requestId?: string;
}

/**
 * The one way to run a stored object: the worker label rule, the "no live worker" refusal (503, from the
 * dispatcher), the tenant's fair share (429), the identity a run acts for, and the synchronous and
 * asynchronous answers. Each kind only says what its run is (`StoredRun`).
 */
@Injectable()
export class RunsService {
  constructor(
    private readonly runtime: RuntimeClient,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  /** Runs and answers the result; a failed run throws its error (a model action's answer). */
  async call(ctx: TenantContext, run: StoredRun): Promise<{ task: TaskMessage; result: unknown }> {
    return this.runtime.call(ctx, this.task(run), this.timeoutMs(run, this.config.taskTimeoutSeconds));
  }

  /**
   * Runs user code and answers its finished record, a failure included, so a route shows the failure's
   * own code (`LIMIT_EXCEEDED`); it waits the code's own limit plus the usual task wait.
   */
  async record(ctx: TenantContext, run: StoredRun): Promise<TaskRecord> {
    const seconds = this.config.scriptTimeoutSeconds + this.config.taskTimeoutSeconds;
    const { record } = await this.runtime.run(ctx, this.task(run), this.timeoutMs(run, seconds));
    return record;
  }

  /** Records the task as PENDING and answers at once; the caller polls `/api/v1/task/{id}`. */
  submit(ctx: TenantContext, run: StoredRun): Promise<TaskMessage> {
    return this.runtime.submit(ctx, this.task(run));
  }

  private task(run: StoredRun): TaskRequest {
    return {
      action: run.action,
      object: run.object,
      args: run.args ?? [],
      kwargs: {
        ...run.kwargs,
        ...(run.runAs ? { runAs: { userId: run.runAs.userId, userid: run.runAs.userid } } : {}),
      },
      label: workerLabel(run.require, run.attributes),
      ...(run.requestId ? { requestId: run.requestId } : {}),
    };
  }

  private timeoutMs(run: StoredRun, defaultSeconds: number): number {
    return (run.timeoutSeconds ?? defaultSeconds) * 1000;
  }
}

/** What a caller asks of a run of a runnable kind (scripts, jobs). */
export interface RunRequest {
  args: unknown[];
  kwargs: Record<string, unknown>;
  runAs: RunIdentity;
  /** Worker label; else the object's `attributes.require`, else `default`. */
  require?: string;
  timeoutSeconds?: number;
  requestId?: string;
}

/**
 * Runs of a runnable kind from the API: `prepare` checks the object exists (a 404 here, not a failed
 * task) and says what its run is; `call` waits for the finished record, `submit` answers at once.
 */
export abstract class StoredRuns {
  constructor(protected readonly runs: RunsService) {}

  async call(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskRecord> {
    return this.runs.record(ctx, await this.prepare(ctx, name, request));
  }

  async submit(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskMessage> {
    return this.runs.submit(ctx, await this.prepare(ctx, name, request));
  }

  protected abstract prepare(ctx: TenantContext, name: string, request: RunRequest): Promise<StoredRun>;
}
