import { applyDecorators } from '@nestjs/common';
import { ApiProduces, ApiResponse } from '@nestjs/swagger';

const HTML_PAGE = { 'text/html': { schema: { type: 'string', description: 'An HTML page' } } };

/**
 * A console page in the OpenAPI document: HTML for a browser, not a JSON answer. The console is not an
 * API, but it is served by the same app, so the document says what each of its routes answers.
 */
export function ConsolePage(description: string): MethodDecorator {
  return applyDecorators(
    ApiProduces('text/html'),
    ApiResponse({ status: 200, description, content: HTML_PAGE }),
  );
}

/**
 * A console form's POST: on success a 303 redirect to the page that shows the outcome (post/redirect/get,
 * so a reload never sends the form twice); on a refused form the page again, with the reason and a 4xx.
 * `rendersOnSuccess` marks the forms that answer their page directly (a new API key is shown once, on the
 * page that made it).
 */
export function ConsoleForm(
  redirectsTo: string,
  options: { rendersOnSuccess?: string } = {},
): MethodDecorator {
  const decorators = [
    ApiProduces('text/html'),
    ApiResponse({
      status: 303,
      description: `Redirects to ${redirectsTo}`,
      headers: { Location: { description: 'The page that shows the outcome', schema: { type: 'string' } } },
    }),
  ];
  if (options.rendersOnSuccess)
    decorators.push(ApiResponse({ status: 200, description: options.rendersOnSuccess, content: HTML_PAGE }));
  return applyDecorators(...decorators);
}
