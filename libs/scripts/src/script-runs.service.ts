import { Inject, Injectable } from '@nestjs/common';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode, TenantContext } from '@omega/core';
import {
  DEFAULT_LABEL,
  RuntimeClient,
  TaskMessage,
  TaskRecord,
  TaskRequest,
  WorkerDirectory,
} from '@omega/runtime';
import type { RunIdentity } from './auth/scoped-token';
import { SCRIPT_RUN_ACTION } from './runtime/script-task.handler';
import { ScriptsService } from './scripts.service';

const LABEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

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
 * Runs tasks of runnable kinds (scripts, jobs) through the runtime and answers the finished task
 * record, so a route can show a failure's own code (`LIMIT_EXCEEDED`) rather than a generic one.
 */
@Injectable()
export class RunnableTasks {
  constructor(
    private readonly runtime: RuntimeClient,
    private readonly workers: WorkerDirectory,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  submit(ctx: TenantContext, request: TaskRequest): Promise<TaskMessage> {
    return this.runtime.submit(ctx, request);
  }

  /** Submits and waits (the run's own limit plus the usual wait); 504 when it outlasts the wait. */
  async call(ctx: TenantContext, request: TaskRequest, timeoutSeconds?: number): Promise<TaskRecord> {
    const label = request.label ?? DEFAULT_LABEL;
    // As RuntimeClient.call does: refuse at once rather than wait out the timeout for nobody.
    if (!(await this.workers.isLabelServed(label))) {
      throw new OmegaError(
        OmegaErrorCode.ServiceUnavailable,
        `No live worker serves label "${label}"; start one with OMEGA_WORKER_LABELS=${label}`,
      );
    }
    const task = await this.runtime.submit(ctx, request);
    const seconds = timeoutSeconds ?? this.config.scriptTimeoutSeconds + this.config.taskTimeoutSeconds;
    return this.runtime.wait(ctx, task.id, seconds * 1000);
  }

  label(requested: string | undefined, attributes: Record<string, unknown> | undefined): string {
    const label = requested ?? attributes?.require ?? DEFAULT_LABEL;
    if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) {
      throw OmegaError.invalidInput(
        `Worker label ${JSON.stringify(label)} is not a label (lowercase letters, digits, - and _)`,
      );
    }
    return label;
  }
}

/**
 * Runs of a stored runnable kind from the API: `prepare` checks the object exists (a 404 here, not a
 * failed task) and makes its task; `call` waits for it, `submit` answers at once.
 */
export abstract class StoredRuns {
  constructor(protected readonly tasks: RunnableTasks) {}

  async call(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskRecord> {
    return this.tasks.call(ctx, await this.prepare(ctx, name, request), request.timeoutSeconds);
  }

  async submit(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskMessage> {
    return this.tasks.submit(ctx, await this.prepare(ctx, name, request));
  }

  protected abstract prepare(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskRequest>;
}

/** Script runs: `script.run` with the request's args and kwargs, acting for the caller. */
@Injectable()
export class ScriptRunsService extends StoredRuns {
  constructor(
    private readonly scripts: ScriptsService,
    tasks: RunnableTasks,
  ) {
    super(tasks);
  }

  protected async prepare(ctx: TenantContext, name: string, request: RunRequest): Promise<TaskRequest> {
    const meta = await this.scripts.metadata(ctx, name);
    return {
      action: SCRIPT_RUN_ACTION,
      object: name,
      args: request.args,
      kwargs: {
        kwargs: request.kwargs,
        runAs: { userId: request.runAs.userId, userid: request.runAs.userid },
      },
      label: this.tasks.label(request.require, meta.attributes),
      requestId: request.requestId,
    };
  }
}
