import { Controller, Get, Res } from '@nestjs/common';
import { TenantDatabases } from '@omega/core';
import type { Response } from 'express';

/** Probes for the manager (it serves nothing else): alive while it answers, ready while MongoDB does. */
@Controller('health')
export class ManagerHealthController {
  constructor(private readonly databases: TenantDatabases) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get()
  async ready(@Res({ passthrough: true }) res: Response) {
    try {
      await this.databases.ping();
      return { status: 'ok' };
    } catch {
      res.status(503);
      return { status: 'unavailable' };
    }
  }
}
