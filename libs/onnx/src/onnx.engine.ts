import { Injectable } from '@nestjs/common';
import { LoadedModel, ModelDescription, ModelEngine, ModelEngineContract } from '@omega/models';
import { describeOnnxModel } from './describe-onnx-model';
import { readOnnxGraphInfo } from './graph/onnx-graph-info';
import { createOnnxModel } from './onnx-model';
import { OnnxSession, openSession } from './onnx-session';
import { readSignature } from './signature/onnx-signature';

/**
 * Runs uploaded ONNX models (exported by skl2onnx, tf2onnx, torch.onnx, …) with onnxruntime. Upload
 * only: an ONNX file is already fitted, so there is no `create` and no `fit`.
 */
@Injectable()
@ModelEngine({ kinds: ['onnx.model'] })
export class OnnxEngine implements ModelEngineContract {
  /** Loads the model once to validate and read it, so an upload that describes also runs. */
  async describe(kind: string, artifact: Buffer): Promise<ModelDescription> {
    const model = await this.load(kind, artifact);
    await model.dispose?.();
    return model.description;
  }

  async load(_kind: string, artifact: Buffer): Promise<LoadedModel> {
    const session = await openSession(artifact);
    try {
      const signature = readSignature(session);
      const description = describeOnnxModel(signature, readOnnxGraphInfo(artifact));
      return createOnnxModel(new OnnxSession(session, signature), description);
    } catch (err) {
      await session.release();
      throw err;
    }
  }
}
