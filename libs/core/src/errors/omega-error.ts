/** Stable codes a client can switch on; the HTTP status each maps to lives beside it. */
export enum OmegaErrorCode {
  NotFound = 'NOT_FOUND',
  AlreadyExists = 'ALREADY_EXISTS',
  InvalidName = 'INVALID_NAME',
  InvalidInput = 'INVALID_INPUT',
  MalformedBody = 'MALFORMED_BODY',
  UnknownKind = 'UNKNOWN_KIND',
  DuplicateKind = 'DUPLICATE_KIND',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  NotAcceptable = 'NOT_ACCEPTABLE',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  RangeNotSatisfiable = 'RANGE_NOT_SATISFIABLE',
  Conflict = 'CONFLICT',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  /** A synchronous call outlived its wait; the task itself goes on and can be polled. */
  Timeout = 'TIMEOUT',
  /** A task ran and failed in the user's model or code (not the platform). */
  TaskFailed = 'TASK_FAILED',
  /** A script or notebook run failed by itself (an exception in the user's code). */
  ScriptFailed = 'SCRIPT_FAILED',
  /** A script or notebook run was stopped at one of its limits (wall clock, memory, CPU time). */
  LimitExceeded = 'LIMIT_EXCEEDED',
  /** An outside system an object points to (a referenced SQL database) is unreachable or refused us. */
  UpstreamFailed = 'UPSTREAM_FAILED',
  /** No valid credentials (missing, malformed, wrong, revoked, expired, or of a disabled user). */
  Unauthenticated = 'UNAUTHENTICATED',
  /** Valid credentials whose role does not allow the call. */
  Forbidden = 'FORBIDDEN',
  /** A cookie-authenticated change without the matching anti-forgery token. */
  Csrf = 'CSRF',
  RateLimited = 'RATE_LIMITED',
}

export const HTTP_STATUS_BY_CODE: Record<OmegaErrorCode, number> = {
  [OmegaErrorCode.NotFound]: 404,
  [OmegaErrorCode.AlreadyExists]: 409,
  [OmegaErrorCode.InvalidName]: 400,
  [OmegaErrorCode.InvalidInput]: 400,
  [OmegaErrorCode.MalformedBody]: 400,
  [OmegaErrorCode.UnknownKind]: 400,
  [OmegaErrorCode.DuplicateKind]: 500,
  [OmegaErrorCode.UnsupportedMediaType]: 415,
  [OmegaErrorCode.NotAcceptable]: 406,
  [OmegaErrorCode.PayloadTooLarge]: 413,
  [OmegaErrorCode.RangeNotSatisfiable]: 416,
  [OmegaErrorCode.Conflict]: 409,
  [OmegaErrorCode.ServiceUnavailable]: 503,
  [OmegaErrorCode.Timeout]: 504,
  [OmegaErrorCode.TaskFailed]: 422,
  [OmegaErrorCode.ScriptFailed]: 422,
  [OmegaErrorCode.LimitExceeded]: 422,
  [OmegaErrorCode.UpstreamFailed]: 502,
  [OmegaErrorCode.Unauthenticated]: 401,
  [OmegaErrorCode.Forbidden]: 403,
  [OmegaErrorCode.Csrf]: 403,
  [OmegaErrorCode.RateLimited]: 429,
};

/** A failure the platform expects and can explain; its message is safe to show to the caller. */
export class OmegaError extends Error {
  constructor(
    readonly code: OmegaErrorCode,
    message: string,
    /** When to try again (`Retry-After`, whole seconds), for refusals that pass (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'OmegaError';
  }

  static notFound(what: string): OmegaError {
    return new OmegaError(OmegaErrorCode.NotFound, `${what} not found`);
  }

  static invalidInput(message: string): OmegaError {
    return new OmegaError(OmegaErrorCode.InvalidInput, message);
  }
}
