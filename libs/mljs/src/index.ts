export * from './mljs.module';
export * from './mljs.engine';
export { MLJS_ALGORITHMS, MLJS_KINDS } from './algorithms/algorithms';
export { MLJS_FORMAT, MLJS_FORMAT_VERSION } from './artifact/mljs-artifact';
export type { MljsArtifact } from './artifact/mljs-artifact';
