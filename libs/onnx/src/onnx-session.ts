import { InferenceSession, Tensor } from 'onnxruntime-node';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import { FeatureMatrix } from '@omega/models';
import { OnnxSignature } from './signature/onnx-signature';
import { toFeeds } from './tensors/feature-feeds';

/**
 * onnxruntime's thread pools spin-wait for more work after each run by default. Between the calls of a
 * service that is pure waste: for a one-row predict the spinning cost several times the run itself, on
 * cores the API, the broker and the database share. Without it, a thread sleeps until it is given work;
 * large batches still run on every core.
 */
const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

/** Opens a session on the artifact's bytes; bytes onnxruntime cannot load are the caller's mistake. */
export async function openSession(artifact: Buffer): Promise<InferenceSession> {
  if (!artifact || artifact.length === 0) {
    throw OmegaError.invalidInput('not a valid ONNX model: the file is empty');
  }
  try {
    return await InferenceSession.create(artifact, SESSION_OPTIONS);
  } catch (err) {
    throw OmegaError.invalidInput(
      `not a valid ONNX model: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * One session and the signature read from it. Runs may overlap (onnxruntime's Run is thread-safe);
 * release waits for the runs in flight, so the cache dropping a model never frees a session mid-run.
 */
export class OnnxSession {
  private readonly running = new Set<Promise<unknown>>();
  private released = false;

  constructor(
    private readonly session: InferenceSession,
    readonly signature: OnnxSignature,
  ) {}

  /** Runs the rows through the model and answers the named outputs only. */
  async run(x: FeatureMatrix, outputs: string[]): Promise<Record<string, Tensor>> {
    return this.runFeeds(toFeeds(this.signature, x), outputs);
  }

  /** Runs input tensors already made (packed features) and answers the named outputs only. */
  async runFeeds(feeds: Record<string, Tensor>, outputs: string[]): Promise<Record<string, Tensor>> {
    if (this.released) throw new Error('the ONNX model was disposed');
    const run = this.session.run(feeds, outputs);
    this.running.add(run);
    try {
      return (await run) as Record<string, Tensor>;
    } catch (err) {
      // The inputs were checked against the signature, so what fails here is the model itself.
      const message = err instanceof Error ? err.message : String(err);
      throw new OmegaError(OmegaErrorCode.TaskFailed, `the ONNX model failed to run: ${message}`);
    } finally {
      this.running.delete(run);
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await Promise.allSettled([...this.running]);
    await this.session.release();
  }
}
