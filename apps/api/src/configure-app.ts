import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { OmegaConfig, OmegaError, OmegaErrorCode, OmegaExceptionFilter } from '@omega/core';
import cookieParser from 'cookie-parser';
import { json, NextFunction, Request, Response, urlencoded } from 'express';
import { refuseDeepJson } from './http/json-depth';
import { securityHeaders } from './http/security-headers';
import { VALIDATION_OPTIONS } from './http/validation-options';

/** Routes whose bodies are streamed as they are, whatever their content type. */
const RAW_BODY_ROUTES = /^\/api\/v1\/file\//;

/**
 * Everything the API process and its tests set up the same way: body parsing with a size cap, strict
 * validation, the one error filter, security headers, cookies and Swagger at /api/docs (public: the API's
 * description holds no tenant data).
 */
export function configureApp(app: INestApplication, config: OmegaConfig): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // No ETag hashed over every JSON answer: API answers change with the data and clients do not revalidate
  // them. Routes with a real validator (files, console assets) set their own ETag and still answer 304.
  express.set('etag', false);
  express.set('query parser', 'simple');
  // Behind a proxy, the client's address (rate limits, audit) and https come from X-Forwarded-*.
  express.set('trust proxy', config.trustProxy);
  const parseJson = json({
    limit: config.maxJsonBytes,
    strict: true,
    type: (req) => !RAW_BODY_ROUTES.test((req as Request).url ?? '') && isJson(req.headers['content-type']),
  });
  express.use((req: Request, res: Response, next: NextFunction) =>
    parseJson(req, res, (error?: unknown) => next(error ? bodyParserError(error) : undefined)),
  );
  express.use(refuseDeepJson);
  // The console's HTML forms (@omega/console), and only there: the API itself speaks JSON.
  const parseForm = urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });
  express.use('/console', (req: Request, res: Response, next: NextFunction) =>
    parseForm(req, res, (error?: unknown) => next(error ? bodyParserError(error) : undefined)),
  );
  express.use(securityHeaders());
  // The console's session and CSRF cookies (see @omega/accounts session-cookies).
  express.use(cookieParser());
  app.useGlobalPipes(new ValidationPipe(VALIDATION_OPTIONS));
  app.useGlobalFilters(new OmegaExceptionFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('omega-ts')
      .setDescription('The omega-ml platform REST API: datasets, files, models, runtime')
      .setVersion('v1')
      .addGlobalParameters(
        { name: 'Bucket', in: 'header', required: false, schema: { type: 'string' } },
        {
          name: 'Qualifier',
          in: 'header',
          required: false,
          description: 'environment of the tenant (its own database), `default` when absent',
          schema: { type: 'string' },
        },
      )
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'the omega-ml client header: `ApiKey <userid>:<apikey>`',
        },
        'apikey',
      )
      .addSecurityRequirements('bearer')
      .addSecurityRequirements('apikey')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}

/** Body-parser failures as domain errors, so they answer in the one error shape with a stable code. */
function bodyParserError(error: unknown): unknown {
  const type = (error as { type?: string }).type;
  switch (type) {
    case 'entity.parse.failed':
      return new OmegaError(OmegaErrorCode.MalformedBody, 'The request body is not valid JSON');
    case 'entity.too.large':
      return new OmegaError(OmegaErrorCode.PayloadTooLarge, 'The request body is larger than allowed');
    case 'parameters.too.many':
      return new OmegaError(OmegaErrorCode.PayloadTooLarge, 'The form has more fields than allowed');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new OmegaError(OmegaErrorCode.UnsupportedMediaType, 'Unsupported body encoding or charset');
    default:
      return error;
  }
}
