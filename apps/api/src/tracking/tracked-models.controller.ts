import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { OmegaError, TenantContext } from '@omega/core';
import { ModelMonitor, TrackedModels } from '@omega/tracking';
import { Tenant } from '../http/tenant.decorator';
import {
  MonitorModelDto,
  MonitorResultDto,
  TrackingLinkDto,
  TrackModelDto,
  UntrackedDto,
} from './tracked-model.dto';

/**
 * Model tracking routes. Listed before the models controller in the app (see api.module.ts): its
 * `:name/:action` route would otherwise take `track` for a model action.
 */
@ApiTags('models')
@Controller('api/v1/model')
export class TrackedModelsController {
  constructor(
    private readonly tracked: TrackedModels,
    private readonly monitor: ModelMonitor,
  ) {}

  @Put(':name/track')
  @ApiOperation({
    summary: "Log a model's actions into an experiment",
    description:
      'Each synchronous fit, score and predict is then logged as an event of one run of the experiment: ' +
      'duration, model version, caller, and for a share of calls (OMEGA_TRACK_SAMPLE) the first ' +
      'OMEGA_TRACK_MAX_ROWS rows of X and of the result. Written in the background, after the answer.',
  })
  @ApiOkResponse({ type: TrackingLinkDto })
  track(
    @Tenant() ctx: TenantContext,
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() body: TrackModelDto,
  ): Promise<TrackingLinkDto> {
    return this.tracked.track(ctx, name, body.experiment, principal.userid);
  }

  @Get(':name/track')
  @ApiOperation({ summary: "Which experiment a model's actions are logged into" })
  @ApiOkResponse({ type: TrackingLinkDto })
  async link(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<TrackingLinkDto> {
    const link = await this.tracked.link(ctx, name, { fresh: true });
    if (!link) throw OmegaError.notFound(`tracking of model ${name}`);
    return link;
  }

  @Delete(':name/track')
  @ApiOperation({ summary: "Stop logging a model's actions (what was logged stays)" })
  @ApiOkResponse({ type: UntrackedDto })
  async untrack(@Tenant() ctx: TenantContext, @Param('name') name: string): Promise<UntrackedDto> {
    await this.tracked.untrack(ctx, name);
    return { untracked: name };
  }

  @Post(':name/monitor')
  @HttpCode(200)
  @ApiOperation({
    summary: "Check a tracked model's inputs for drift against a baseline dataset",
    description:
      'Per feature: PSI (baseline deciles) and the two-sample Kolmogorov–Smirnov test for numbers, PSI and ' +
      'the chi-squared test of homogeneity for categories, over the inputs its calls logged. Stored as a ' +
      'run of the experiment `<model>.monitor` and set on the gauge `omega_model_drift`; `alert` when a ' +
      'feature crosses a threshold.',
  })
  @ApiOkResponse({ type: MonitorResultDto })
  check(
    @Tenant() ctx: TenantContext,
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() body: MonitorModelDto,
  ): Promise<MonitorResultDto> {
    return this.monitor.check(
      ctx,
      name,
      {
        baseline: body.baseline,
        features: body.features,
        since: body.since ? new Date(body.since) : undefined,
        psiThreshold: body.psi_threshold,
        pThreshold: body.p_threshold,
      },
      principal.userid,
    );
  }
}
