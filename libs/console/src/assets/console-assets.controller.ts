import { Controller, Get, Param, Req, Res, UseFilters } from '@nestjs/common';
import { Public } from '@omega/accounts';
import { ApiProduces, ApiResponse } from '@nestjs/swagger';
import { OmegaError } from '@omega/core';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { ConsoleExceptionFilter } from '../http/console-exception.filter';
import { CONSOLE_STATIC_DIR } from '../rendering/console-files';

const MEDIA_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * The console's stylesheet and script, read once at start: only the files that are there can be asked
 * for, so no request names a path on disk.
 */
@Controller('console/static')
@Public()
@UseFilters(ConsoleExceptionFilter)
export class ConsoleAssetsController {
  private readonly files = loadStaticFiles(CONSOLE_STATIC_DIR);

  @Get(':file')
  @ApiProduces('text/css', 'text/javascript', 'image/svg+xml')
  @ApiResponse({
    status: 200,
    description: 'The stylesheet, script or icon',
    content: Object.fromEntries(
      ['text/css', 'text/javascript', 'image/svg+xml'].map((type) => [type, { schema: { type: 'string' } }]),
    ),
  })
  @ApiResponse({ status: 304, description: 'Not modified (the ETag matched)' })
  serve(@Param('file') name: string, @Req() req: Request, @Res() res: Response): void {
    const file = this.files.get(name);
    if (!file) throw OmegaError.notFound(`console/static/${name}`);
    res.setHeader('Content-Type', file.type);
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('ETag', file.etag);
    if (req.headers['if-none-match'] === file.etag) {
      res.status(304).end();
      return;
    }
    res.send(file.body);
  }
}

function loadStaticFiles(dir: string): Map<string, StaticFile> {
  if (!existsSync(dir))
    throw new Error(`console static files not found in ${dir} (nest-cli.json copies them on build)`);
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(dir)) {
    const type = MEDIA_TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    files.set(name, { body, type, etag });
  }
  return files;
}
