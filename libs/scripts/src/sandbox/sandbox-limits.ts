import { OmegaError, OmegaErrorCode } from '@omega/core';

/** The task error code of a run stopped at one of its limits (time, memory). */
export const LIMIT_EXCEEDED = 'LIMIT_EXCEEDED';
/** The task error code of a script or notebook that failed by itself. */
export const SCRIPT_FAILED = 'SCRIPT_FAILED';

/**
 * A failed run as the task records it: `LIMIT_EXCEEDED` or `SCRIPT_FAILED` with a message that says
 * which limit or which error. These codes are the sandbox's own; the API's HTTP mapping only knows the
 * platform's, so run routes answer them as 422 themselves.
 */
export class SandboxRunError extends OmegaError {
  constructor(
    readonly runCode: typeof LIMIT_EXCEEDED | typeof SCRIPT_FAILED,
    message: string,
  ) {
    super(runCode as unknown as OmegaErrorCode, message);
    this.name = 'SandboxRunError';
  }
}

export interface SandboxLimits {
  timeoutMs: number;
  memoryMb: number;
}
