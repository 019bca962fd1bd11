import { Controller, Get, Inject, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { OMEGA_CONFIG, OmegaConfig, TenantContext } from '@omega/core';
import { WorkerDirectory } from '@omega/runtime';
import type { Request } from 'express';
import { Tenant } from '../http/tenant.decorator';
import { SERVER_VERSION } from '../system/server-version';
import { ClientConfigDto } from './client-config.dto';

/**
 * The config service: what a client needs to talk to its platform, for the caller's tenant and
 * qualifier. It names no database, broker or secret: clients only ever talk to the REST API.
 */
@ApiTags('system')
@Controller('api/v1/config')
export class ClientConfigController {
  constructor(
    @Inject(OMEGA_CONFIG) private readonly config: OmegaConfig,
    private readonly workers: WorkerDirectory,
  ) {}

  @Get()
  @ApiOperation({
    summary: "The caller's client settings: API URL, tenant, qualifier, bucket, worker labels",
  })
  @ApiOkResponse({ type: ClientConfigDto })
  async get(
    @CurrentPrincipal() principal: Principal,
    @Tenant() ctx: TenantContext,
    @Req() req: Request,
  ): Promise<ClientConfigDto> {
    // Cached briefly by the directory: this route is every client's first call and must stay cheap.
    const labels = new Set(await this.workers.servedLabels());
    // Embedded mode before its runner's first heartbeat: the labels it runs are the configured ones.
    if (!this.config.brokerUrl) for (const label of this.config.workerLabels) labels.add(label);
    return {
      url:
        this.config.publicUrl ??
        `${req.protocol}://${req.header('host') ?? `${this.config.apiHost}:${this.config.apiPort}`}`,
      api: '/api/v1/',
      userid: principal.userid,
      tenant: ctx.tenant,
      qualifier: ctx.qualifier,
      bucket: ctx.bucket,
      role: principal.role,
      worker_labels: [...labels].sort(),
      runtime: this.config.brokerUrl ? 'broker' : 'in-process',
      version: SERVER_VERSION,
    };
  }
}
