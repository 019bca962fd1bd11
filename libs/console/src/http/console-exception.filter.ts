import { ArgumentsHost, Catch, ExceptionFilter, Injectable } from '@nestjs/common';
import { OmegaExceptionFilter } from '@omega/core';
import type { Request, Response } from 'express';
import { CONSOLE_LOGIN } from '../rendering/console-files';
import { ConsoleRenderer } from '../rendering/console-renderer';

const TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Already there',
  413: 'Too large',
  429: 'Too many requests',
};

/**
 * Errors of console pages as pages: no session (or an expired one) sends the browser to the login page,
 * everything else renders an error page with the platform's safe message. The body comes from the API's
 * own filter, so unexpected errors are logged with an id and shown without internals.
 */
@Injectable()
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly errors = new OmegaExceptionFilter();

  constructor(private readonly renderer: ConsoleRenderer) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = this.errors.toBody(exception);
    if (body.statusCode === 401) {
      res.redirect(302, CONSOLE_LOGIN);
      return;
    }
    const title = TITLES[body.statusCode] ?? (body.statusCode >= 500 ? 'Something went wrong' : 'Error');
    try {
      this.renderer.render(
        req,
        res,
        'error',
        { title, status: body.statusCode, message: body.message, errorId: body.errorId },
        body.statusCode,
      );
    } catch {
      // A page that cannot be rendered still answers with its status and the safe message.
      res.status(body.statusCode).type('text/plain').send(body.message);
    }
  }
}
