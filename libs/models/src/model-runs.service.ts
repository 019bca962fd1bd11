import { Injectable } from '@nestjs/common';
import { OmegaError, TenantContext } from '@omega/core';
import { DEFAULT_LABEL, RuntimeClient, TaskMessage } from '@omega/runtime';
import { MODEL_ACTIONS, ModelAction } from './engine/model-engine';
import { ModelsService } from './models.service';
import { ModelRunObservers } from './runtime/model-run-observers';
import { modelTaskAction } from './runtime/model-task.handler';

const LABEL_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

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
 * Runs model actions through the runtime: resolves the worker label (the call's `require`, else the
 * model's `attributes.require`, else `default`) and submits the task, waiting for it or not.
 */
@Injectable()
export class ModelRunsService {
  constructor(
    private readonly models: ModelsService,
    private readonly runtime: RuntimeClient,
    private readonly observers: ModelRunObservers,
  ) {}

  async call(ctx: TenantContext, model: string, action: string, request: ModelRunRequest): Promise<unknown> {
    const started = performance.now();
    const task = await this.prepare(ctx, model, action, request);
    const timeoutMs = request.timeoutSeconds ? request.timeoutSeconds * 1000 : undefined;
    const { result } = await this.runtime.call(ctx, task, timeoutMs);
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
    return this.runtime.submit(ctx, await this.prepare(ctx, model, action, request));
  }

  private async prepare(ctx: TenantContext, model: string, action: string, request: ModelRunRequest) {
    if (!(MODEL_ACTIONS as readonly string[]).includes(action)) {
      throw OmegaError.invalidInput(`Unknown model action "${action}"; actions: ${MODEL_ACTIONS.join(', ')}`);
    }
    const meta = await this.models.metadata(ctx, model);
    const label = request.require ?? meta.attributes?.require ?? DEFAULT_LABEL;
    if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) {
      throw OmegaError.invalidInput(
        `Worker label ${JSON.stringify(label)} is not a label (lowercase letters, digits, - and _)`,
      );
    }
    const args = request.y === undefined ? [request.x] : [request.x, request.y];
    return {
      action: modelTaskAction(action as ModelAction),
      object: model,
      args,
      kwargs: request.kwargs ?? {},
      label,
      requestId: request.requestId,
    };
  }
}
