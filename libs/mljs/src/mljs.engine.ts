import { Injectable } from '@nestjs/common';
import { LoadedModel, ModelDescription, ModelEngine, ModelEngineContract, ModelSpec } from '@omega/models';
import { OmegaError } from '@omega/core';
import { adapterFor, kindOf, MLJS_ALGORITHMS, MLJS_KINDS } from './algorithms/algorithms';
import { readArtifact, specArtifact, writeArtifact } from './artifact/mljs-artifact';
import { createMljsModel } from './model/mljs-model';
import { validateParams } from './params/hyper-params';

/**
 * Models trained on the platform with ml.js: `create` turns a spec into an unfitted artifact, `fit`
 * and `partial_fit` answer new artifacts. One kind per algorithm, e.g. `mljs.random-forest-classifier`.
 */
@Injectable()
@ModelEngine({ kinds: MLJS_KINDS })
export class MljsEngine implements ModelEngineContract {
  /** Loads the artifact to describe it, so a corrupt fitted model is caught on upload, not on first use. */
  async describe(kind: string, artifact: Buffer): Promise<ModelDescription> {
    return (await this.load(kind, artifact)).description;
  }

  async load(kind: string, artifact: Buffer): Promise<LoadedModel> {
    const checked = readArtifact(artifact);
    if (kindOf(checked.adapter.name) !== kind) {
      throw OmegaError.invalidInput(`The artifact holds a ${checked.adapter.name} model, not ${kind}`);
    }
    return createMljsModel(checked);
  }

  async create(spec: ModelSpec): Promise<{ kind: string; artifact: Buffer; description: ModelDescription }> {
    const adapter = adapterFor(spec?.algorithm);
    const params = validateParams(adapter.name, adapter.params, spec.params);
    const artifact = writeArtifact(specArtifact(adapter, params));
    return {
      kind: kindOf(adapter.name),
      artifact,
      description: createMljsModel(readArtifact(artifact)).description,
    };
  }

  algorithms(): string[] {
    return [...MLJS_ALGORITHMS];
  }
}
