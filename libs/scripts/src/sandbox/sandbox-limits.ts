import { OmegaError, OmegaErrorCode } from '@omega/core';

/** The task error code of a run stopped at one of its limits (time, memory). */
export const LIMIT_EXCEEDED = OmegaErrorCode.LimitExceeded;
/** The task error code of a script or notebook that failed by itself. */
export const SCRIPT_FAILED = OmegaErrorCode.ScriptFailed;

/**
 * A failed run as the task records it: `LIMIT_EXCEEDED` or `SCRIPT_FAILED` with a message that says
 * which limit or which error (both answer 422, like any failed task).
 */
export class SandboxRunError extends OmegaError {
  constructor(
    readonly runCode: typeof LIMIT_EXCEEDED | typeof SCRIPT_FAILED,
    message: string,
  ) {
    super(runCode, message);
    this.name = 'SandboxRunError';
  }
}

export interface SandboxLimits {
  timeoutMs: number;
  memoryMb: number;
}
