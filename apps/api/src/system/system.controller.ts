import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, TenantDatabases } from '@omega/core';
import type { Response } from 'express';
import { SERVER_VERSION } from './server-version';

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(private readonly databases: TenantDatabases) {}

  @Public()
  @Get('api/v1/ping')
  @ApiOperation({ summary: 'Is the API up?' })
  ping() {
    return { message: 'ping return message', time: new Date().toISOString(), version: SERVER_VERSION };
  }

  @Public()
  @Get('health/live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers' })
  live() {
    return { status: 'ok' };
  }

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Readiness: the process answers and MongoDB answers a ping' })
  async health(@Res({ passthrough: true }) res: Response) {
    const started = Date.now();
    try {
      await this.databases.ping();
      return { status: 'ok', checks: { mongodb: { status: 'up', ms: Date.now() - started } } };
    } catch {
      res.status(503);
      return { status: 'unavailable', checks: { mongodb: { status: 'down', ms: Date.now() - started } } };
    }
  }
}
