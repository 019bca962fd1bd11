import { Injectable } from '@nestjs/common';
import { OmegaError, TenantContext } from '@omega/core';
import { RunsService, StoredRun, TaskMessage } from '@omega/runtime';
import { MODEL_ACTIONS, ModelAction } from './engine/model-engine';
import { ModelsService } from './models.service';
import { ModelRunObservers } from './runtime/model-run-observers';
import { modelTaskAction } from './runtime/model-task.handler';

export interface ModelRunRequest {
  /** X and Y: a dataset name or inline data each. */
  x?: unknown;
  y?: unknown;
  kwargs?: Record<string, unknown>;
  /** Worker label asked for by the call; wins over the model's `attributes.require`. */
  require?: string;
  timeoutSeconds?: number;
  requestId?: string;
  /** The user the call acts for: what observers (experiment tracking) record as the caller. */
  caller?: string;
}

/**
 * Model actions through the runtime's one way to run a stored object (RunsService): what a model adds is
 * its action names and its arguments, X and Y.
 */
@Injectable()
export class ModelRunsService {
  constructor(
    private readonly models: ModelsService,
    private readonly runs: RunsService,
    private readonly observers: ModelRunObservers,
  ) {}

  async call(ctx: TenantContext, model: string, action: string, request: ModelRunRequest): Promise<unknown> {
    const started = performance.now();
    const { result } = await this.runs.call(ctx, await this.prepare(ctx, model, action, request));
    if (this.observers.active) {
      const { x, y, caller } = request;
      this.observers.notify({
        ctx,
        model,
        action,
        x,
        y,
        caller,
        result,
        durationMs: performance.now() - started,
      });
    }
    return result;
  }

  async submit(
    ctx: TenantContext,
    model: string,
    action: string,
    request: ModelRunRequest,
  ): Promise<TaskMessage> {
    return this.runs.submit(ctx, await this.prepare(ctx, model, action, request));
  }

  private async prepare(
    ctx: TenantContext,
    model: string,
    action: string,
    request: ModelRunRequest,
  ): Promise<StoredRun> {
    if (!(MODEL_ACTIONS as readonly string[]).includes(action)) {
      throw OmegaError.invalidInput(`Unknown model action "${action}"; actions: ${MODEL_ACTIONS.join(', ')}`);
    }
    const meta = await this.models.metadata(ctx, model);
    return {
      action: modelTaskAction(action as ModelAction),
      object: model,
      args: request.y === undefined ? [request.x] : [request.x, request.y],
      kwargs: request.kwargs ?? {},
      attributes: meta.attributes,
      require: request.require,
      timeoutSeconds: request.timeoutSeconds,
      requestId: request.requestId,
    };
  }
}
