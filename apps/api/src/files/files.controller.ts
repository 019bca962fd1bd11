import { Controller, Delete, Get, Head, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import { ApiConsumes, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { OMEGA_CONFIG, OmegaConfig, OmegaError, OmegaErrorCode, type TenantContext } from '@omega/core';
import { FileHandle, fileDownloadHeaders, FilesService, parseByteRange } from '@omega/files';
import busboy from 'busboy';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ApiStreamAnswer, BINARY_SCHEMA, DeletedDto } from '../http/answer-docs';
import { listEnvelope, ListQueryDto } from '../http/list-query.dto';
import { Tenant } from '../http/tenant.decorator';
import { FileDto, FileListDto } from './file.dto';

const FILE_BYTES = 'application/octet-stream';

@ApiTags('files')
@Controller('api/v1/file')
export class FilesController {
  constructor(
    private readonly files: FilesService,
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List files' })
  @ApiOkResponse({ type: FileListDto })
  async list(@Tenant() ctx: TenantContext, @Query() query: ListQueryDto): Promise<FileListDto> {
    const { items, total } = await this.files.list(ctx, {
      pattern: query.pattern,
      skip: query.offset,
      limit: query.limit,
    });
    return listEnvelope(items, total, query);
  }

  @Get(':name/metadata')
  @ApiOperation({ summary: "A file's Metadata" })
  @ApiOkResponse({ type: FileDto })
  metadata(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<FileDto> {
    return this.files.metadata(ctx, name);
  }

  @Put(':name')
  @ApiOperation({ summary: 'Store a file: the raw body, or the first file of a multipart/form-data body' })
  @ApiConsumes(FILE_BYTES, 'multipart/form-data')
  @ApiOkResponse({ type: FileDto, description: 'the stored file' })
  async put(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Req() req: Request,
  ): Promise<FileDto> {
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
  @ApiStreamAnswer({ description: "the file's bytes, as the type it was stored with", binary: [FILE_BYTES] })
  @ApiResponse({
    status: 206,
    description: 'the bytes of the requested Range',
    content: { [FILE_BYTES]: { schema: BINARY_SCHEMA } },
  })
  async read(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
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
  @ApiOperation({ summary: "A file's download headers (type, length, ETag), without its bytes" })
  @ApiStreamAnswer({ description: 'the headers GET answers, no body', binary: [FILE_BYTES] })
  async head(@Tenant() ctx: TenantContext, @Param('name') name: string, @Res() res: Response): Promise<void> {
    const file = await this.files.open(ctx, name);
    setDownloadHeaders(res, file, name);
    res.status(200).setHeader('Content-Length', String(file.size)).end();
  }

  @Delete(':name')
  @ApiOperation({ summary: 'Drop a file' })
  @ApiOkResponse({ type: DeletedDto })
  async drop(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<DeletedDto> {
    await this.files.drop(ctx, name);
    return { deleted: name };
  }

  private putMultipart(ctx: TenantContext, name: string, req: Request): Promise<FileDto> {
    return new Promise<FileDto>((resolve, reject) => {
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
