import { openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { HttpClient } from './http';
import { listAll } from './list-all';
import type { JobSchedule, JobSummary, ListOptions, ListPage, Notebook, ScheduleTrigger } from './types';

/** A notebook to store: a path to an `.ipynb` on this machine, the notebook itself, or its bytes. */
export type JobInput = string | Notebook | Uint8Array;

/**
 * When a job runs: a five-field cron expression (`'30 6 * * 1-5'`) or plain English (`'every 5
 * minutes'`, `'weekdays at 06:00'`, `'on the 1st at 02:30'`); a string is taken for cron when it has five
 * cron fields.
 */
export type ScheduleSpec = string | { cron: string } | { text: string };

export interface ScheduleOptions {
  /** IANA time zone the times are meant in (default UTC). */
  timezone?: string;
}

/** A cron field: digits, `* / , - ? L W #`, and three-letter month or day names. */
const CRON_FIELD = /^(?:[0-9*?LW#/,-]|[A-Za-z]{3})+$/;

/**
 * `om.jobs`: notebook jobs, their executed results (`results/<name>_<time>.ipynb`) and schedules. A
 * job runs on a worker with `om.runtime.job(name).run()`; a schedule has the platform's manager run it.
 */
export class Jobs {
  constructor(private readonly http: HttpClient) {}

  /** Stores (or replaces) a notebook; a schedule in its `metadata.omega.schedule` is applied. */
  async put(input: JobInput, name: string, options: { attributes?: Record<string, unknown> } = {}) {
    const file =
      typeof input === 'string'
        ? { blob: await openAsBlob(input), filename: basename(input) }
        : input instanceof Uint8Array
          ? { blob: new Blob([input]), filename: `${basename(name)}.ipynb` }
          : { blob: new Blob([JSON.stringify(input)]), filename: `${basename(name)}.ipynb` };
    const form = new FormData();
    form.append('name', name);
    if (options.attributes) form.append('attributes', JSON.stringify(options.attributes));
    form.append('file', file.blob, file.filename);
    return this.http.post<JobSummary>('/api/v1/job', { body: form });
  }

  /** The job's Metadata with its run history (status, times, executed notebook, first lines of errors). */
  get(name: string): Promise<JobSummary> {
    return this.http.get<JobSummary>('/api/v1/job/{name}', { path: { name } });
  }

  /** The notebook: a job as stored, or an executed `results/…` notebook with its outputs. */
  notebook(name: string): Promise<Notebook> {
    return this.http.get<Notebook>('/api/v1/job/{name}/notebook', { path: { name } });
  }

  /** Jobs and executed notebooks (`pattern: 'results/*'` lists the executed ones). */
  list(options: ListOptions = {}): Promise<JobSummary[]> {
    return listAll(
      (query) => this.http.get<ListPage<JobSummary>>('/api/v1/job', { query: { ...query } }),
      options,
    );
  }

  /** Drops the job and its schedule; executed notebooks stay under `results/`. */
  drop(name: string): Promise<{ deleted: string }> {
    return this.http.delete('/api/v1/job/{name}', { path: { name } });
  }

  /** Sets (or replaces) the job's schedule; answers it with its next five times. */
  schedule(name: string, spec: ScheduleSpec, options: ScheduleOptions = {}): Promise<JobSchedule> {
    return this.http.put<JobSchedule>('/api/v1/job/{name}/schedule', {
      path: { name },
      json: { ...scheduleBody(spec), timezone: options.timezone },
    });
  }

  /** The job's schedule with its next `n` times (default 5). */
  get_schedule(name: string, n?: number): Promise<JobSchedule> {
    return this.http.get<JobSchedule>('/api/v1/job/{name}/schedule', { path: { name }, query: { n } });
  }

  /** The next `n` times the schedule fires. */
  async next_times(name: string, n = 5): Promise<Date[]> {
    const schedule = await this.get_schedule(name, n);
    return schedule.next_times.map((time) => new Date(time));
  }

  drop_schedule(name: string): Promise<{ deleted: string }> {
    return this.http.delete('/api/v1/job/{name}/schedule', { path: { name } });
  }

  /** The scheduled runs so far, newest first: due time, task id, which manager fired it. */
  async triggers(name: string, options: { limit?: number } = {}): Promise<ScheduleTrigger[]> {
    const answer = await this.http.get<{ triggers: ScheduleTrigger[] }>(
      '/api/v1/job/{name}/schedule/triggers',
      { path: { name }, query: { limit: options.limit } },
    );
    return answer.triggers;
  }
}

function scheduleBody(spec: ScheduleSpec): { cron?: string; text?: string } {
  if (typeof spec !== 'string') return spec;
  const fields = spec.trim().split(/\s+/);
  return fields.length === 5 && fields.every((field) => CRON_FIELD.test(field))
    ? { cron: spec }
    : { text: spec };
}
