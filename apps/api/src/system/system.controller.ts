import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Public, TenantDatabases } from '@omega/core';
import type { Response } from 'express';
import { SERVER_VERSION } from './server-version';
import { HealthDto, LiveDto, PingDto } from './system.dto';

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(private readonly databases: TenantDatabases) {}

  @Public()
  @Get('api/v1/ping')
  @ApiOperation({ summary: 'Is the API up?' })
  @ApiOkResponse({ type: PingDto })
  ping(): PingDto {
    return { message: 'ping return message', time: new Date().toISOString(), version: SERVER_VERSION };
  }

  @Public()
  @Get('health/live')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LiveDto })
  live(): LiveDto {
    return { status: 'ok' };
  }

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Readiness: the process answers and MongoDB answers a ping' })
  @ApiOkResponse({ type: HealthDto, description: '`ok`: ready' })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: '`unavailable`: MongoDB does not answer' })
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthDto> {
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
