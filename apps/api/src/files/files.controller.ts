import { Controller, Delete, Get, Head, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode, type TenantContext } from '@omega/core';
import { FileHandle, fileDownloadHeaders, FilesService, parseByteRange } from '@omega/files';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { Tenant } from '../http/tenant.decorator';

@ApiTags('files')
@Controller('api/v1/file')
export class FilesController {
  constructor(
    private readonly files: FilesService,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List files' })
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto) {
    const { items, total } = await this.files.list(ctx, {
      pattern: query.pattern,
      skip: query.offset,
      limit: query.limit,
    });
    return listEnvelope(items, total, query);
  }

  @Get(':name/metadata')
  @ApiOperation({ summary: "A file's Metadata" })
  metadata(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    return this.files.metadata(ctx, name);
  }

  @Put(':name')
  @ApiOperation({ summary: 'Store a file: the raw body, or the first file of a multipart/form-data body' })
  @ApiConsumes('application/octet-stream', 'multipart/form-data')
  async put(@Tenant() ctx: TenantContext, @Param('name') name: string, @Req() req: Request) {
    const declared = Number(req.header('content-length') ?? 0);
    if (declared > this.config.maxUploadBytes) {
      throw new OmegaError(
        OmegaErrorCode.PayloadTooLarge,
        `Upload is larger than ${this.config.maxUploadBytes} bytes`,
      );
    }
    const contentType = req.header('content-type') ?? 'application/octet-stream';
    if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
      return this.files.put(ctx, name, req, { contentType });
    }
    return this.putMultipart(ctx, name, req);
  }

  @Get(':name')
  @ApiOperation({
    summary: 'Read a file (streams; supports Range)',
    description:
      'Shown inline only as PNG, JPEG, GIF, WebP, PDF, text/plain, text/csv or application/json; any other ' +
      'type is an attachment (JavaScript and CSS as application/octet-stream). Always with ' +
      "`X-Content-Type-Options: nosniff` and `Content-Security-Policy: sandbox; default-src 'none'`.",
  })
  async read(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const file = await this.files.open(ctx, name);
    const range = parseByteRange(req.header('range'), file.size);
    setDownloadHeaders(res, file, name);
    if (range) {
      res.status(206);
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
      res.setHeader('Content-Length', String(range.end - range.start + 1));
    } else {
      res.status(200);
      res.setHeader('Content-Length', String(file.size));
    }
    await pipeline(file.open(range), res).catch((error: Error) => res.destroy(error));
  }

  @Head(':name')
  async head(@Tenant() ctx: TenantContext, @Param('name') name: string, @Res() res: Response) {
    const file = await this.files.open(ctx, name);
    setDownloadHeaders(res, file, name);
    res.status(200).setHeader('Content-Length', String(file.size)).end();
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop a file' })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string) {
    await this.files.drop(ctx, name);
    return { deleted: name };
  }

  private putMultipart(ctx: TenantContext, name: string, req: Request) {
    return new Promise((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
      } catch (error) {
        reject(OmegaError.invalidInput(`multipart body could not be read: ${(error as Error).message}`));
        return;
      }
      let seenFile = false;
      parser.on('file', (_field, stream, info) => {
        seenFile = true;
        this.files
          .put(ctx, name, stream, { contentType: info.mimeType, filename: info.filename })
          .then(resolve, reject);
      });
      parser.on('error', (error: Error) =>
        reject(OmegaError.invalidInput(`multipart body could not be read: ${error.message}`)),
      );
      parser.on('close', () => {
        if (!seenFile) reject(OmegaError.invalidInput('multipart body has no file part'));
      });
      req.pipe(parser);
    });
  }
}

/**
 * The same headers for GET and HEAD: the file's bytes are untrusted, so whether they show inline, and as
 * which type, is decided by fileDownloadHeaders (attachment unless inline-safe, nosniff, sandbox CSP).
 */
function setDownloadHeaders(res: Response, file: FileHandle, name: string): void {
  for (const [header, value] of Object.entries(fileDownloadHeaders(file.contentType, name))) {
    res.setHeader(header, value);
  }
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', `"${file.sha256}"`);
}
