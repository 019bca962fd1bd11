export { Omega } from './omega';
export type { ConnectOptions } from './omega';
export { resolveCredentials, CREDENTIALS_FILE, DEFAULT_URL } from './credentials';
export type { CredentialOptions, OmegaCredentials } from './credentials';
export {
  OmegaApiError,
  OmegaConnectionError,
  OmegaCredentialsError,
  OmegaTaskError,
  OmegaTimeoutError,
} from './errors';
export type { ApiErrorBody } from './errors';
export { Datasets, PARQUET_MEDIA_TYPE } from './datasets';
export type {
  Aggregate,
  TableKind,
  ColumnData,
  DatasetInput,
  Filter,
  PutOptions,
  QueryOptions,
  ReadOptions,
} from './datasets';
export { Files } from './files';
export type { FileGetOptions, FileInput } from './files';
export { Models } from './models';
export type { ModelInput, ModelPutOptions, ModelSpec } from './models';
export { Admin } from './admin';
export type { ApiKeySummary, KeyRateLimits, RateLimitName } from './admin';
export { Cloud } from './cloud';
export type {
  AddedTenant,
  CloudStatus,
  CloudTenant,
  LiveSetting,
  PoolWaitOptions,
  RemovedTenant,
  WorkerPoolAnswer,
} from './cloud';
export { Scripts } from './scripts';
export type { ScriptInput, ScriptPutOptions } from './scripts';
export { Jobs } from './jobs';
export type { JobInput, ScheduleOptions, ScheduleSpec } from './jobs';
export { AsyncModelRuntime, JobRuntime, ModelRuntime, Runtime, ScriptRuntime, TaskHandle } from './runtime';
export { Experiment, ExperimentRun, METRIC_BATCH_POINTS } from './experiments';
export type {
  Artifact,
  ExperimentInfo,
  MonitorResult,
  MonitorSchedule,
  ParamValue,
  RunComparison,
  RunInfo,
  RunState,
} from './experiments';
export type {
  ActionParams,
  AsyncScriptRun,
  BatchPredictSummary,
  DecisionScores,
  FitResult,
  ModelData,
  ModelRuntimeOptions,
  WaitOptions,
} from './runtime';
export { ARROW_MEDIA_TYPE } from './arrow-codec';
export type { Row } from './arrow-codec';
export type * from './types';
export type { paths as ApiPaths, components as ApiComponents } from './generated/openapi';
