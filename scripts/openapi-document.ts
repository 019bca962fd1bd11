import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@omega/core';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { ApiModule } from '../apps/api/src/api.module';
import { configureApp } from '../apps/api/src/configure-app';

/**
 * The API's OpenAPI document exactly as `GET /api/docs/openapi.json` serves it. The module is booted in
 * Nest's preview mode: controllers and their Swagger metadata are scanned, but no provider is made, so
 * no database, broker or data folder is touched. A fixed environment keeps the document independent of
 * the caller's.
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig({ OMEGA_DATA_DIR: tmpdir() });
  const app = await NestFactory.create(ApiModule.forRoot(config), {
    preview: true,
    logger: false,
    bodyParser: false,
  });
  try {
    configureApp(app, config);
    const server = createServer(app.getHttpAdapter().getInstance());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await fetch(`http://127.0.0.1:${port}/api/docs/openapi.json`);
      if (!answer.ok) throw new Error(`the API answered ${answer.status} for its OpenAPI document`);
      return (await answer.json()) as Record<string, unknown>;
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  } finally {
    await app.close();
  }
}

/** A digest of the document's content (not its formatting), written into the generated types. */
export function documentDigest(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
