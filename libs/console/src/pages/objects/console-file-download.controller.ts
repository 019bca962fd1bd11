import { Controller, Get, Param, Query, Res, UseFilters } from '@nestjs/common';
import { ApiProduces, ApiResponse } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { TenantContext } from '@omega/core';
import { fileDownloadHeaders, FilesService } from '@omega/files';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ConsoleExceptionFilter } from '../../http/console-exception.filter';
import { BucketQuery } from '../../http/console-forms';

/**
 * A file's bytes for the console, in any bucket: a browser link cannot send the API's Bucket header, so
 * the console serves the download itself, with the same headers as the API (sandboxed, never sniffed,
 * active types as attachments), so an uploaded page or script runs nothing on the console's origin.
 */
@Controller('console/files')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleFileDownloadController {
  constructor(private readonly files: FilesService) {}

  @Get(':name/download')
  @ApiProduces('application/octet-stream')
  @ApiResponse({
    status: 200,
    description: "The file's bytes, with its stored content type (active types as attachments)",
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  async download(
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Query() query: BucketQuery,
    @Res() res: Response,
  ): Promise<void> {
    const file = await this.files.open(TenantContext.of(principal.tenant, query.bucket), name);
    for (const [header, value] of Object.entries(fileDownloadHeaders(file.contentType, name)))
      res.setHeader(header, value);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Length', String(file.size));
    res.status(200);
    await pipeline(file.open(), res).catch((error: Error) => res.destroy(error));
  }
}
