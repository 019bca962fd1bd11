/** The error body every API answer other than 2xx carries (see the API's one exception filter). */
export interface ApiErrorBody {
  statusCode: number;
  error?: string;
  message: string;
  code: string;
  errorId?: string;
  /** The task of a run that failed (script and job runs answer 422 with it). */
  task_id?: string;
}

/** The API answered with an error: its status, stable code (`NOT_FOUND`, `INVALID_INPUT`, …) and message. */
export class OmegaApiError extends Error {
  readonly statusCode: number;
  readonly code: string;
  /** The id under which the server logged an unexpected (500) error. */
  readonly errorId?: string;
  /** The HTTP status name, e.g. `Not Found`. */
  readonly error?: string;
  readonly method: string;
  readonly path: string;
  /** The failed run's task, whose record holds its output (`om.runtime.task(id).status()`). */
  readonly taskId?: string;

  constructor(body: ApiErrorBody, request: { method: string; path: string }) {
    super(body.message);
    this.name = 'OmegaApiError';
    this.statusCode = body.statusCode;
    this.code = body.code;
    this.errorId = body.errorId;
    this.error = body.error;
    this.method = request.method;
    this.path = request.path;
    this.taskId = body.task_id;
  }
}

/** A task the platform ran finished with FAILURE; `code` and `message` are the task's error. */
export class OmegaTaskError extends Error {
  constructor(
    readonly taskId: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'OmegaTaskError';
  }
}

/** A wait for a task ran out before the task finished; the task itself goes on. */
export class OmegaTimeoutError extends Error {
  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
  ) {
    super(`task ${taskId} did not finish within ${timeoutMs} ms`);
    this.name = 'OmegaTimeoutError';
  }
}

/** The platform could not be reached, or a streamed answer broke off. */
export class OmegaConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OmegaConnectionError';
  }
}

/** No credentials were found, or they are incomplete. */
export class OmegaCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OmegaCredentialsError';
  }
}
