import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { HTTP_STATUS_BY_CODE, OmegaError } from './omega-error';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code: string;
  errorId?: string;
}

/**
 * The one place errors become HTTP answers, all with the same body shape. Anything unexpected is logged
 * with an id and answered 500 without internals.
 */
@Catch()
export class OmegaExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) {
      // A streamed answer already started: its status cannot change, so the only honest signal left is
      // to cut the connection (the client sees a truncated body). The log keeps what went wrong, whatever
      // kind of error it was.
      const errorId = randomUUID();
      this.logger.error(
        `An answer failed after its first bytes (error id ${errorId}); connection cut`,
        exception instanceof Error ? exception.stack : String(exception),
      );
      response.destroy();
      return;
    }
    const body = this.toBody(exception);
    if (exception instanceof OmegaError && exception.retryAfterSeconds !== undefined)
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    response.status(body.statusCode).json(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof OmegaError) {
      const statusCode = HTTP_STATUS_BY_CODE[exception.code];
      return { statusCode, error: statusName(statusCode), message: exception.message, code: exception.code };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const payload = exception.getResponse();
      const message =
        typeof payload === 'string'
          ? payload
          : Array.isArray((payload as { message?: unknown }).message)
            ? ((payload as { message: string[] }).message ?? []).join('; ')
            : String((payload as { message?: unknown }).message ?? exception.message);
      return { statusCode, error: statusName(statusCode), message, code: codeForStatus(statusCode) };
    }
    const errorId = randomUUID();
    this.logger.error(
      `Unexpected error ${errorId}`,
      exception instanceof Error ? exception.stack : String(exception),
    );
    return {
      statusCode: 500,
      error: 'Internal Server Error',
      message: `An unexpected error occurred (error id ${errorId})`,
      code: 'INTERNAL',
      errorId,
    };
  }
}

function statusName(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}

function codeForStatus(status: number): string {
  return HttpStatus[status] ?? 'ERROR';
}
