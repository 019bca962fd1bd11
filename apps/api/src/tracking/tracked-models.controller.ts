import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal } from '@omega/accounts';
import { OmegaError, TenantContext } from '@omega/core';
import { ModelMonitor, MonitorSchedules, TrackedModels } from '@omega/tracking';
import { Tenant } from '../http/tenant.decorator';
import {
  MonitorModelDto,
  MonitorResultDto,
  MonitorScheduleAnswerDto,
  MonitorScheduleDto,
  MonitorUnscheduledDto,
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
    private readonly monitorSchedules: MonitorSchedules,
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

  @Put(':name/monitor')
  @ApiOperation({
    summary: "Run a tracked model's drift check on a schedule",
    description:
      'The check of POST …/monitor, fired by the platform scheduler (as job schedules are) at each due time ' +
      'of a cron expression (`schedule`) or plain English (`text`): each firing is a run of `<model>.monitor` ' +
      'and sets the gauge. Replaces the schedule the model had.',
  })
  @ApiOkResponse({ type: MonitorScheduleAnswerDto })
  async setSchedule(
    @Tenant() ctx: TenantContext,
    @CurrentPrincipal() principal: Principal,
    @Param('name') name: string,
    @Body() body: MonitorScheduleDto,
  ): Promise<MonitorScheduleAnswerDto> {
    const spec = { cron: body.schedule, text: body.text, timezone: body.timezone };
    const check = {
      baseline: body.baseline,
      features: body.features,
      psiThreshold: body.psi_threshold,
      pThreshold: body.p_threshold,
    };
    return this.monitorSchedules.set(ctx, name, spec, check, principal.userid);
  }

  @Get(':name/monitor')
  @ApiOperation({ summary: "A model's drift check schedule, with its next times" })
  @ApiOkResponse({ type: MonitorScheduleAnswerDto })
  async getSchedule(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
  ): Promise<MonitorScheduleAnswerDto> {
    return this.monitorSchedules.get(ctx, name);
  }

  @Delete(':name/monitor')
  @ApiOperation({ summary: "Stop a model's scheduled drift checks (their runs stay)" })
  @ApiOkResponse({ type: MonitorUnscheduledDto })
  async dropSchedule(
    @Tenant() ctx: TenantContext,
    @Param('name') name: string,
  ): Promise<MonitorUnscheduledDto> {
    await this.monitorSchedules.drop(ctx, name);
    return { unscheduled: name };
  }
}
