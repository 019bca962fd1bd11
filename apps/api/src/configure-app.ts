import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { OmegaConfig, OmegaExceptionFilter } from '@omega/core';
import { json, Request } from 'express';
import { VALIDATION_OPTIONS } from './http/validation-options';

/** Routes whose bodies are streamed as they are, whatever their content type. */
const RAW_BODY_ROUTES = /^\/api\/v1\/file\//;

/**
 * Everything the API process and its tests set up the same way: body parsing with a size cap, strict
 * validation, the one error filter, security headers and Swagger at /api/docs.
 */
export function configureApp(app: INestApplication, config: OmegaConfig): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.set('query parser', 'simple');
  express.use(
    json({
      limit: config.maxJsonBytes,
      strict: true,
      type: (req) => !RAW_BODY_ROUTES.test((req as Request).url ?? '') && isJson(req.headers['content-type']),
    }),
  );
  express.use((_req: Request, res: { setHeader(name: string, value: string): void }, next: () => void) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.useGlobalPipes(new ValidationPipe(VALIDATION_OPTIONS));
  app.useGlobalFilters(new OmegaExceptionFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('omega-ts')
      .setDescription('The omega-ml platform REST API: datasets, files, models, runtime')
      .setVersion('v1')
      .addGlobalParameters({ name: 'Bucket', in: 'header', required: false, schema: { type: 'string' } })
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || type.endsWith('+json');
}
