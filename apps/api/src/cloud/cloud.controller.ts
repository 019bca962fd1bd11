import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, CurrentActor, PlatformAdmin, Roles } from '@omega/accounts';
import {
  CloudConfigService,
  CloudStatusService,
  CloudTenantsService,
  WorkerPoolsService,
  type PoolAnswer,
} from '@omega/cloud';
import { OmegaError, OmegaErrorCode } from '@omega/core';
import type { Response } from 'express';
import {
  AddedTenantDto,
  AddLabelDto,
  AddTenantDto,
  CloudStatusDto,
  CloudTenantDto,
  LiveSettingDto,
  LiveSettingListDto,
  PoolAnswerDto,
  PoolListDto,
  RemovedTenantDto,
  RemoveTenantDto,
  ScaleWorkersDto,
  SetConfigDto,
  WaitQueryDto,
} from './cloud.dto';

const DEFAULT_WAIT_SECONDS = 60;

/**
 * The cloud manager over REST (`om cloud …`): platform admins only, every call audited. Status and tenants
 * are done here; worker pools and live settings are recorded for the manager process, which carries them
 * out through its driver (local processes or Kubernetes) and reports back — a pool answer is 200 once the
 * workers are ready, 202 while the manager has not got there yet.
 */
@ApiTags('cloud')
@Roles('admin')
@PlatformAdmin()
@Controller('api/v1/cloud')
export class CloudController {
  constructor(
    private readonly statusService: CloudStatusService,
    private readonly pools: WorkerPoolsService,
    private readonly tenants: CloudTenantsService,
    private readonly config: CloudConfigService,
  ) {}

  @Get('status')
  @ApiOperation({ summary: 'Services reachable, workers per label with heartbeats, queue depths, tenants' })
  @ApiOkResponse({ type: CloudStatusDto })
  status(@CurrentActor() by: Actor): Promise<CloudStatusDto> {
    return this.statusService.status(by);
  }

  @Get('workers')
  @ApiOperation({ summary: 'Worker pools: asked for and carried out' })
  @ApiOkResponse({ type: PoolListDto })
  async listPools(@CurrentActor() by: Actor): Promise<PoolListDto> {
    return { pools: await this.pools.list(by) };
  }

  @Put('workers/:label')
  @ApiOperation({ summary: "Scale a label's worker pool (202 while the manager has not finished)" })
  @ApiPoolAnswer()
  async scale(
    @Param('label') label: string,
    @Body() body: ScaleWorkersDto,
    @Query() query: WaitQueryDto,
    @CurrentActor() by: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PoolAnswerDto> {
    const wait = query.wait ?? DEFAULT_WAIT_SECONDS;
    return answered(res, await this.pools.scale(label, body, wait, by));
  }

  @Post('workers')
  @ApiOperation({ summary: 'A worker pool for a new label (202 while the manager has not finished)' })
  @ApiPoolAnswer()
  async addLabel(
    @Body() body: AddLabelDto,
    @Query() query: WaitQueryDto,
    @CurrentActor() by: Actor,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PoolAnswerDto> {
    const wait = query.wait ?? DEFAULT_WAIT_SECONDS;
    return answered(res, await this.pools.addLabel(body.label, body.replicas ?? 1, wait, by));
  }

  @Post('tenants')
  @HttpCode(201)
  @ApiOperation({ summary: 'A tenant with its database, indexes, admin user and API key' })
  @ApiCreatedResponse({ type: AddedTenantDto })
  addTenant(@Body() body: AddTenantDto, @CurrentActor() by: Actor): Promise<AddedTenantDto> {
    return this.tenants.add(body.name, { admin: body.admin, password: body.password }, by);
  }

  @Post('tenants/:name/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a tenant: its keys and logins stop at once, its data stays' })
  @ApiOkResponse({ type: CloudTenantDto })
  disableTenant(@Param('name') name: string, @CurrentActor() by: Actor): Promise<CloudTenantDto> {
    return this.tenants.setDisabled(name, true, by);
  }

  @Post('tenants/:name/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enable a disabled tenant again' })
  @ApiOkResponse({ type: CloudTenantDto })
  enableTenant(@Param('name') name: string, @CurrentActor() by: Actor): Promise<CloudTenantDto> {
    return this.tenants.setDisabled(name, false, by);
  }

  @Post('tenants/:name/remove')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Remove a tenant: disabled, keys revoked, members removed, databases dropped (confirm = name)',
  })
  @ApiOkResponse({ type: RemovedTenantDto })
  removeTenant(
    @Param('name') name: string,
    @Body() body: RemoveTenantDto,
    @CurrentActor() by: Actor,
  ): Promise<RemovedTenantDto> {
    return this.tenants.remove(name, body.confirm, by);
  }

  @Get('config')
  @ApiOperation({ summary: 'Live settings (those that change without a restart)' })
  @ApiOkResponse({ type: LiveSettingListDto })
  async listConfig(@CurrentActor() by: Actor): Promise<LiveSettingListDto> {
    return { settings: await this.config.get(undefined, by) };
  }

  @Get('config/:name')
  @ApiOperation({ summary: 'One live setting' })
  @ApiOkResponse({ type: LiveSettingDto })
  async getConfig(@Param('name') name: string, @CurrentActor() by: Actor): Promise<LiveSettingDto> {
    return (await this.config.get(name, by))[0];
  }

  @Put('config/:name')
  @ApiOperation({ summary: 'Change a live setting' })
  @ApiOkResponse({ type: LiveSettingDto })
  setConfig(
    @Param('name') name: string,
    @Body() body: SetConfigDto,
    @CurrentActor() by: Actor,
  ): Promise<LiveSettingDto> {
    return this.config.set(name, body.value, by);
  }
}

function answered(res: Response, answer: PoolAnswer): PoolAnswer {
  if (answer.state === 'failed') {
    throw new OmegaError(
      OmegaErrorCode.UpstreamFailed,
      `The manager could not change pool ${answer.pool.label}: ${answer.pool.applied?.error} (it tries again)`,
    );
  }
  res.status(answer.state === 'pending' ? 202 : 200);
  return answer;
}

/** A pool change answers 200 once the manager applied it, 202 while it has not (within `wait`). */
function ApiPoolAnswer(): MethodDecorator {
  return applyDecorators(
    ApiOkResponse({ type: PoolAnswerDto, description: 'the manager applied it' }),
    ApiAcceptedResponse({
      type: PoolAnswerDto,
      description: 'pending: the manager has not finished within `wait`',
    }),
  );
}
