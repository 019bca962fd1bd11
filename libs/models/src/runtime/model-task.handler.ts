import { Injectable } from '@nestjs/common';
import { OmegaError, TenantContext } from '@omega/core';
import { TaskHandler, TaskHandlerContract, TaskMessage } from '@omega/runtime';
import {
  ActionParams,
  FeatureMatrix,
  MODEL_ACTIONS,
  ModelAction,
  TargetVector,
} from '../engine/model-engine';
import { ModelsService, RunnableModel } from '../models.service';
import { DatasetInput } from './dataset-input';
import { toFeatureMatrix, toTargets } from './feature-input';

export const MODEL_TASK_PREFIX = 'model.';

/** The task action of a model action: `predict` → `model.predict`. */
export function modelTaskAction(action: ModelAction): string {
  return `${MODEL_TASK_PREFIX}${action}`;
}

/**
 * Runs model actions on a worker. A task's `object` is the model reference, `args` are `[X, Y?]` (a
 * dataset name or inline data each), `kwargs` the action's parameters.
 */
@Injectable()
@TaskHandler({ actions: MODEL_ACTIONS.map(modelTaskAction) })
export class ModelTaskHandler implements TaskHandlerContract {
  constructor(
    private readonly models: ModelsService,
    private readonly datasets: DatasetInput,
  ) {}

  async handle(ctx: TenantContext, task: TaskMessage): Promise<unknown> {
    const action = task.action.slice(MODEL_TASK_PREFIX.length) as ModelAction;
    if (!task.object) throw OmegaError.invalidInput('A model task names its model');
    const runnable = await this.models.load(ctx, task.object);
    const { model } = runnable;
    const params: ActionParams = task.kwargs;
    const [xInput, yInput] = task.args;
    const method = model[action];
    if (!method) {
      const supported = runnable.version.description.actions.join(', ');
      throw OmegaError.invalidInput(
        `Model ${task.object}: ${action} is not supported by this model kind (${runnable.version.kind}); ` +
          `it can: ${supported}`,
      );
    }
    const x = await this.features(ctx, xInput);
    switch (action) {
      case 'predict':
        return model.predict!(x, params);
      case 'predict_proba':
        return model.predict_proba!(x, params);
      case 'transform':
        return model.transform!(x, params);
      case 'decision_function':
        return model.decision_function!(x, params);
      case 'score':
        // Y is optional here: clustering scores without targets; supervised models refuse a missing Y.
        return model.score!(x, (await this.targets(ctx, yInput)) ?? [], params);
      case 'fit':
      case 'partial_fit':
        return this.fit(ctx, runnable, action, x, await this.targets(ctx, yInput), params);
    }
  }

  private async fit(
    ctx: TenantContext,
    runnable: RunnableModel,
    action: 'fit' | 'partial_fit',
    x: FeatureMatrix,
    y: TargetVector | undefined,
    params: ActionParams,
  ): Promise<unknown> {
    const fitted = await runnable.model[action]!(x, y, params);
    const meta = await this.models.storeFitted(ctx, runnable, fitted, action);
    const latest = (meta.kindMeta as { latest: number }).latest;
    return { model: meta.name, version: latest, parent: runnable.version.version, rows: x.rows.length };
  }

  private features(ctx: TenantContext, input: unknown): Promise<FeatureMatrix> | FeatureMatrix {
    if (input === undefined || input === null)
      throw OmegaError.invalidInput('X is required: inline data or a dataset name');
    return typeof input === 'string' ? this.datasets.features(ctx, input) : toFeatureMatrix(input, 'X');
  }

  private async targets(ctx: TenantContext, input: unknown): Promise<TargetVector | undefined> {
    if (input === undefined || input === null) return undefined;
    return typeof input === 'string' ? this.datasets.targets(ctx, input) : toTargets(input, 'Y');
  }
}
