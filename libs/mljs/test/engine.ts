import { OmegaError, OmegaErrorCode } from '@omega/core';
import { FeatureMatrix, LoadedModel, TargetVector } from '@omega/models';
import { MljsEngine } from '../src/mljs.engine';

export const engine = new MljsEngine();

/** create → fit → load, the way the platform runs it: through artifacts only. */
export async function fitted(
  algorithm: string,
  params: Record<string, unknown>,
  x: FeatureMatrix,
  y?: TargetVector,
): Promise<{ model: LoadedModel; artifact: Buffer; kind: string }> {
  const spec = await engine.create({ algorithm, params });
  const unfitted = await engine.load(spec.kind, spec.artifact);
  const { artifact } = await unfitted.fit!(x, y, {});
  return { model: await engine.load(spec.kind, artifact), artifact, kind: spec.kind };
}

export async function expectInvalid(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OmegaError);
  expect((err as OmegaError).code).toBe(OmegaErrorCode.InvalidInput);
  expect((err as OmegaError).message).toMatch(message);
}
