import { Injectable } from '@nestjs/common';
import { OmegaError, TenantContext } from '@omega/core';
import { parseModelRef } from '@omega/models';
import { TaskHandler, TaskHandlerContract, TaskMessage } from '@omega/runtime';
import { Schedule, ScheduleSpec, SchedulesService } from '@omega/schedules';
import { TrackedModels } from '../models/tracked-models';
import { ModelMonitor, MonitorOptions, MonitorResult } from './model-monitor';

/** The task a monitor's schedule submits; its object is the model. */
export const MODEL_MONITOR_ACTION = 'model.monitor';

/** A monitor's schedule with the check it runs (the options of `POST /monitor` but `since`). */
export interface MonitorSchedule {
  model: string;
  cron: string;
  text?: string;
  timezone: string;
  check: Omit<MonitorOptions, 'since'>;
  /** Whom the checks' runs name (who set the schedule). */
  user: string;
  created: Date;
  modified: Date;
  lastRun?: Date;
  lastTaskId?: string;
  /** The next times it fires. */
  next: Date[];
}

const scheduleKey = (model: string) => `monitor:${model}`;

/**
 * Drift checks on a schedule: the schedules lib's ticker submits a `model.monitor` task at each due time
 * (one index, one ticker for jobs and monitors); the task runs the same check as `POST /monitor`.
 */
@Injectable()
export class MonitorSchedules {
  constructor(
    private readonly schedules: SchedulesService,
    private readonly tracked: TrackedModels,
  ) {}

  async set(
    ctx: TenantContext,
    model: string,
    spec: ScheduleSpec,
    check: Omit<MonitorOptions, 'since'>,
    user: string,
  ): Promise<MonitorSchedule> {
    const name = parseModelRef(model).name;
    await this.tracked.requireLink(ctx, name);
    const schedule = await this.schedules.scheduleTask(ctx, scheduleKey(name), spec, {
      action: MODEL_MONITOR_ACTION,
      object: name,
      kwargs: { check: JSON.parse(JSON.stringify(check)) as typeof check, user },
    });
    return this.answer(name, schedule);
  }

  async get(ctx: TenantContext, model: string): Promise<MonitorSchedule> {
    const name = parseModelRef(model).name;
    const schedule = await this.schedules.findTask(ctx, scheduleKey(name));
    if (!schedule) throw OmegaError.notFound(`monitor schedule of model ${name}`);
    return this.answer(name, schedule);
  }

  async drop(ctx: TenantContext, model: string): Promise<void> {
    const name = parseModelRef(model).name;
    if (!(await this.schedules.dropTask(ctx, scheduleKey(name))))
      throw OmegaError.notFound(`monitor schedule of model ${name}`);
  }

  private answer(model: string, schedule: Schedule): MonitorSchedule {
    return { ...toMonitorSchedule(model, schedule), next: this.schedules.nextTimesOf(schedule) };
  }
}

function toMonitorSchedule(model: string, schedule: Schedule): Omit<MonitorSchedule, 'next'> {
  const { check, user } = (schedule.task?.kwargs ?? {}) as { check: MonitorSchedule['check']; user: string };
  return {
    model,
    cron: schedule.cron,
    ...(schedule.text ? { text: schedule.text } : {}),
    timezone: schedule.timezone,
    check,
    user,
    created: schedule.created,
    modified: schedule.modified,
    ...(schedule.lastRun ? { lastRun: schedule.lastRun, lastTaskId: schedule.lastTaskId } : {}),
  };
}

/** Runs a scheduled drift check where tasks run; its result is the check's answer. */
@Injectable()
@TaskHandler({ actions: [MODEL_MONITOR_ACTION] })
export class MonitorTaskHandler implements TaskHandlerContract {
  constructor(private readonly monitor: ModelMonitor) {}

  handle(ctx: TenantContext, task: TaskMessage): Promise<MonitorResult> {
    const { check, user } = task.kwargs as { check?: MonitorSchedule['check']; user?: string };
    if (!task.object || !check?.baseline || typeof user !== 'string')
      throw OmegaError.invalidInput('A monitor task names its model, baseline and user');
    return this.monitor.check(ctx, task.object, check, user);
  }
}
